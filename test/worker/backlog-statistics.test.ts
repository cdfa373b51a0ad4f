// The worker's side of table-statistics.ts, through the real service: statistics taken while the
// queue was empty, then a backlog the workers' fetches come back full from — the workers analyze
// the tables, and the planner then expects the backlog.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobBatchSchema } from '../../src/routes/jobs/schemas.ts';
import { startTestService, type TestService, waitFor } from '../support/test-service.ts';

const BACKLOG = 1000;

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ WORKER_CONCURRENCY: '4', MAX_ACTIVE_JOBS_PER_OWNER: '5000' });
});
afterAll(async () => {
  await svc?.stop();
});

async function lastAnalyzed(): Promise<Date | null> {
  const [row] = await svc.sql<{ at: Date | null }[]>`
    select least(
      (select last_analyze from pg_stat_user_tables where relid = 'jobs'::regclass),
      (select last_analyze from pg_stat_user_tables where relid = 'pgboss.job_common'::regclass)) as at`;
  return row?.at ?? null;
}

describe('planner statistics under a backlog', () => {
  it('are refreshed by the workers once their fetches come back full', async () => {
    await svc.sql`analyze jobs, pgboss.job_common`;
    const before = await lastAnalyzed();
    expect(before).not.toBeNull();
    const owner = await svc.newOwner();
    const job = { type: 'demo.sleep', input: { duration_ms: 200, steps: 1 } };
    const res = await owner.fetch('/v1/jobs/batch', {
      method: 'POST',
      json: { jobs: Array(BACKLOG).fill(job) },
    });
    expect(res.status).toBe(202);
    JobBatchSchema.parse(await res.json());
    await waitFor(async () => ((await lastAnalyzed())?.getTime() ?? 0) > (before as Date).getTime(), 20_000);
    const [plan] = await svc.sql<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[]>`
      explain (format json) select 1 from jobs where status in ('queued', 'running')`;
    expect(plan?.['QUERY PLAN'][0].Plan['Plan Rows']).toBeGreaterThan(BACKLOG / 2);
  });
});
