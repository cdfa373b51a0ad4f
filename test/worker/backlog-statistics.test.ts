// The worker's side of table-statistics.ts, through the real service: statistics taken while the
// queue was empty, then a backlog the workers' fetches come back full from — the workers analyze
// the tables, and the planner then expects the backlog.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobBatchSchema } from '../../src/routes/jobs/schemas.ts';
import { lastAnalyzedAt, plannedRows } from '../support/planner-statistics.ts';
import { startTestService, type TestService, waitFor } from '../support/test-service.ts';

const BACKLOG = 1000;

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ WORKER_CONCURRENCY: '4', MAX_ACTIVE_JOBS_PER_OWNER: '5000' });
});
afterAll(async () => {
  await svc?.stop();
});

const lastAnalyzed = async () => ({
  jobs: await lastAnalyzedAt(svc.sql, 'jobs'),
  queue: await lastAnalyzedAt(svc.sql, 'pgboss.job_common'),
});

describe('planner statistics under a backlog', () => {
  it('are refreshed by the workers once their fetches come back full', async () => {
    await svc.sql`analyze jobs, pgboss.job_common`;
    const before = await lastAnalyzed();
    expect(before.jobs).toBeGreaterThan(0);
    const owner = await svc.newOwner();
    const job = { type: 'demo.sleep', input: { duration_ms: 200, steps: 1 } };
    const res = await owner.fetch('/v1/jobs/batch', {
      method: 'POST',
      json: { jobs: Array(BACKLOG).fill(job) },
    });
    expect(res.status).toBe(202);
    JobBatchSchema.parse(await res.json());
    // Each table analyzed again (the least of the two times also moved when only jobs was).
    await waitFor(async () => {
      const now = await lastAnalyzed();
      return now.jobs > before.jobs && now.queue > before.queue;
    }, 20_000);
    expect(await plannedRows(svc.sql, 'jobs', `status in ('queued', 'running')`)).toBeGreaterThan(
      BACKLOG / 2,
    );
  });
});
