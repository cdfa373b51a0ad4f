import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { rescueLostJobs } from '../../src/worker/lost-job-rescuer.ts';
import { sweepOnce } from '../../src/worker/retention-sweeper.ts';
import { startTestService, type TestService } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ RESULT_TTL_SECONDS: '60', JOB_TTL_SECONDS: '120' });
});
afterAll(async () => {
  await svc?.stop();
});

describe('retention sweeper', () => {
  it('purges expired results with their events, then deletes expired jobs and idempotency keys', async () => {
    const owner = await svc.newOwner();
    const res = await owner.fetch('/v1/jobs', {
      method: 'POST',
      headers: { prefer: 'wait=20', 'idempotency-key': 'old' },
      json: { type: 'demo.sleep', input: { duration_ms: 0, output: 'x' } },
    });
    const job = JobSchema.parse(await res.json());
    const config = svc.service.deps.config;
    expect(await sweepOnce(svc.sql, config)).toMatchObject({ purged: 0, deleted: 0 });

    await svc.sql`update jobs set finished_at = now() - interval '90 seconds' where id = ${job.id}`;
    expect((await sweepOnce(svc.sql, config)).purged).toBe(1);
    const [purged] =
      await svc.sql`select output, result_purged_at, (select count(*)::int from job_events where job_id = ${job.id}) as events from jobs where id = ${job.id}`;
    expect(purged).toMatchObject({ output: null, events: 0 });
    expect(purged?.result_purged_at).not.toBeNull();
    expect((await owner.fetch(`/v1/jobs/${job.id}/result`)).status).toBe(410);

    await svc.sql`update jobs set finished_at = now() - interval '1 day' where id = ${job.id}`;
    await svc.sql`update idempotency_keys set created_at = now() - interval '2 days' where owner_id = ${owner.ownerId}`;
    expect(await sweepOnce(svc.sql, config)).toMatchObject({ deleted: 1, keys: 1 });
    expect(await svc.sql`select id from jobs where id = ${job.id}`).toHaveLength(0);
  });
});

describe('retention indexes', () => {
  it('finds results to purge through the partial index of unpurged finished jobs', async () => {
    // The same predicate as purgeExpiredResults; seq scans off so the plan shows the index chosen
    // even on a small table (with only jobs_finished_at_idx it would walk every finished job).
    const plan = await svc.sql.begin(async (tx) => {
      await tx`set local enable_seqscan = off`;
      return tx.unsafe(`explain select id from jobs
        where finished_at < now() - interval '60 seconds' and result_purged_at is null limit 1000`);
    });
    expect(JSON.stringify(plan)).toContain('jobs_unpurged_finished_idx');
  });
});

describe('lost-job rescuer', () => {
  it('fails a job whose queue entry pg-boss gave up on', async () => {
    const owner = await svc.newOwner();
    const res = await owner.fetch('/v1/jobs', {
      method: 'POST',
      json: { type: 'demo.sleep', input: { duration_ms: 600_000 } },
    });
    const job = JobSchema.parse(await res.json());
    // As after every retry was spent on crashed workers: pg-boss marked it failed long ago.
    await svc.service.deps.boss.cancel('job.demo.sleep', job.id);
    await svc.sql`update pgboss.job set state = 'failed', completed_on = now() - interval '5 minutes' where id = ${job.id}`;
    await svc.sql`update jobs set created_at = now() - interval '5 minutes', status = 'running' where id = ${job.id}`;
    expect(await rescueLostJobs(svc.sql, [], createLogger('silent'))).toBeGreaterThanOrEqual(1);
    const after = JobSchema.parse(await (await owner.fetch(`/v1/jobs/${job.id}`)).json());
    expect(after.status).toBe('failed');
    expect(after.error?.type).toMatch(/worker-lost$/);
  });
});
