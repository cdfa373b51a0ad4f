// The submit side of table-statistics.ts, on an API process (no workers to notice a backlog):
// statistics taken while the jobs table was empty make the planner read an owner's queued jobs by
// scanning the table (write-jobs.ts takeSlotsAndBounds). A submit from an owner with a backlog has
// the table analyzed, and the planner then expects the queued jobs it holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastAnalyzedAt, plannedRows } from '../support/planner-statistics.ts';
import { startTestService, type TestService, waitFor } from '../support/test-service.ts';

const BACKLOG = 300;

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ ROLE: 'api' });
});
afterAll(async () => {
  await svc?.stop();
});

const lastAnalyzed = () => lastAnalyzedAt(svc.sql, 'jobs');
const queuedRowsExpected = () => plannedRows(svc.sql, 'jobs', `status = 'queued'`);

describe('planner statistics for submits', () => {
  it('are refreshed by a submit from an owner with a backlog, without any worker', async () => {
    await svc.sql`analyze jobs`;
    const before = await lastAnalyzed();
    expect(await queuedRowsExpected()).toBeLessThan(10);
    const owner = await svc.newOwner();
    const job = { type: 'demo.sleep', input: { duration_ms: 10, steps: 1 } };
    // One batch: its own submit sees no backlog yet (the owner had nothing active).
    const batch = await owner.fetch('/v1/jobs/batch', {
      method: 'POST',
      json: { jobs: Array(BACKLOG).fill(job) },
    });
    expect(batch.status).toBe(202);
    expect(await lastAnalyzed()).toBe(before);
    // A single submit (group commit) now finds the owner with BACKLOG jobs active.
    expect((await owner.fetch('/v1/jobs', { method: 'POST', json: job })).status).toBe(202);
    await waitFor(async () => (await lastAnalyzed()) > before, 10_000);
    expect(await queuedRowsExpected()).toBeGreaterThan(BACKLOG / 2);
  });
});
