// The submit side of table-statistics.ts, on an API process (no workers to notice a backlog):
// statistics taken while the jobs table was empty make the planner read an owner's queued jobs by
// scanning the table (write-jobs.ts takeSlotsAndBounds). A submit batch whose owners have a backlog
// between them has the table analyzed, and the planner then expects the queued jobs it holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastAnalyzedAt, plannedRows } from '../support/planner-statistics.ts';
import { startTestService, type TestService, waitFor } from '../support/test-service.ts';

const BACKLOG = 300;
const job = { type: 'demo.sleep', input: { duration_ms: 10, steps: 1 } };

/** An API-only service whose statistics say the jobs table holds no queued job. */
function apiServiceWithEmptyStatistics() {
  const state: { svc?: TestService; analyzedAt?: number } = {};
  beforeAll(async () => {
    state.svc = await startTestService({ ROLE: 'api' });
    await state.svc.sql`analyze jobs`;
    state.analyzedAt = await lastAnalyzedAt(state.svc.sql, 'jobs');
    expect(await plannedRows(state.svc.sql, 'jobs', `status = 'queued'`)).toBeLessThan(10);
  });
  afterAll(async () => {
    await state.svc?.stop();
  });
  return state as { svc: TestService; analyzedAt: number };
}

/** Waits for an ANALYZE of jobs after `before`, then expects the planner to see `atLeast` queued. */
async function expectAnalyzed(svc: TestService, before: number, atLeast: number) {
  await waitFor(async () => (await lastAnalyzedAt(svc.sql, 'jobs')) > before, 10_000);
  expect(await plannedRows(svc.sql, 'jobs', `status = 'queued'`)).toBeGreaterThan(atLeast);
}

describe('planner statistics for submits', () => {
  const s = apiServiceWithEmptyStatistics();

  it('are refreshed by a submit from an owner with a backlog, without any worker', async () => {
    const owner = await s.svc.newOwner();
    // One batch: its own submit sees no backlog yet (the owner had nothing active).
    const batch = await owner.fetch('/v1/jobs/batch', {
      method: 'POST',
      json: { jobs: Array(BACKLOG).fill(job) },
    });
    expect(batch.status).toBe(202);
    expect(await lastAnalyzedAt(s.svc.sql, 'jobs')).toBe(s.analyzedAt);
    // A single submit (group commit) now finds the owner with BACKLOG jobs active.
    expect((await owner.fetch('/v1/jobs', { method: 'POST', json: job })).status).toBe(202);
    await expectAnalyzed(s.svc, s.analyzedAt, BACKLOG / 2);
  });
});

// A service of its own: ANALYZE runs at most once per 10 s, and the test above has just run one.
describe('planner statistics for submits of many owners', () => {
  const s = apiServiceWithEmptyStatistics();

  it('are refreshed when owners have a backlog between them, none of them alone', async () => {
    // 60 owners with 10 jobs each: 600 queued, no owner near BACKLOG_ROWS (100) on its own.
    const owners = await Promise.all(Array.from({ length: 60 }, () => s.svc.newOwner('many')));
    for (const owner of owners) {
      const batch = await owner.fetch('/v1/jobs/batch', {
        method: 'POST',
        json: { jobs: Array(10).fill(job) },
      });
      expect(batch.status).toBe(202);
    }
    expect(await lastAnalyzedAt(s.svc.sql, 'jobs')).toBe(s.analyzedAt);
    // Sent together, they are written in a few group-commit batches of many owners each.
    const answers = await Promise.all(
      owners.map((owner) => owner.fetch('/v1/jobs', { method: 'POST', json: job })),
    );
    expect(answers.map((a) => a.status)).toEqual(owners.map(() => 202));
    await expectAnalyzed(s.svc, s.analyzedAt, 300);
  });
});
