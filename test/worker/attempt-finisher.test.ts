import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAttempt } from '../../src/jobs/job-store.ts';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { AttemptFinisher } from '../../src/worker/attempt-finisher.ts';
import { startTestService, type TestService } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  // ROLE=api: no workers, so this test claims the attempts itself.
  svc = await startTestService({ ROLE: 'api' });
});
afterAll(async () => {
  await svc?.stop();
});

async function runningJobs(n: number) {
  const owner = await svc.newOwner();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await owner.fetch('/v1/jobs', {
      method: 'POST',
      json: { type: 'demo.sleep', input: { duration_ms: 0 } },
    });
    const { id } = JobSchema.parse(await res.json());
    const claimed = await startAttempt(svc.sql, id);
    if (!claimed) throw new Error('not claimed');
    ids.push(id);
  }
  return ids;
}

describe('AttemptFinisher (group commit of terminal statuses)', () => {
  it('finishes concurrent attempts together, each exactly once', async () => {
    const ids = await runningJobs(12);
    const finisher = new AttemptFinisher(svc.sql, []);
    const rows = await Promise.all([
      ...ids.map((id) => finisher.finish(id, 1, { status: 'succeeded', output: { id } })),
      // a second completion of the same attempt changes nothing
      finisher.finish(ids[0] ?? '', 1, { status: 'failed', error: { type: 'x', title: 'x', detail: 'x' } }),
    ]);
    expect(rows.slice(0, 12).map((r) => r?.status)).toEqual(Array(12).fill('succeeded'));
    expect(rows[12]).toBeUndefined();
    const events = await svc.sql`
      select count(*)::int as n from job_events where job_id = any(${ids}) and payload->>'status' = 'succeeded'`;
    expect(events[0]?.n).toBe(12);
  });

  it('does not fail the other attempts of a batch when one hook fails', async () => {
    const ids = await runningJobs(3);
    const poisoned = ids[1];
    const finisher = new AttemptFinisher(svc.sql, [
      async (_tx, job) => {
        if (job.id === poisoned) throw new Error('hook failed');
      },
    ]);
    const results = await Promise.allSettled(
      ids.map((id) => finisher.finish(id, 1, { status: 'succeeded', output: 1 })),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const rows = await svc.sql<
      { id: string; status: string }[]
    >`select id, status from jobs where id = any(${ids})`;
    const byId = Object.fromEntries(rows.map((r) => [r.id, r.status]));
    // the failed one rolled back with its hook: still running, so a retry can finish it
    expect([byId[ids[0] ?? ''], byId[poisoned ?? ''], byId[ids[2] ?? '']]).toEqual([
      'succeeded',
      'running',
      'succeeded',
    ]);
  });

  it('plans its statements for the ids of each batch (force_custom_plan in its transaction)', async () => {
    const [id] = await runningJobs(1);
    const modes: string[] = [];
    const finisher = new AttemptFinisher(svc.sql, [
      async (tx) => {
        const [row] = await tx<{ mode: string }[]>`select current_setting('plan_cache_mode') as mode`;
        modes.push(row?.mode ?? '');
      },
    ]);
    await finisher.finish(id ?? '', 1, { status: 'succeeded', output: 1 });
    expect(modes).toEqual(['force_custom_plan']);
    // Local to that transaction: the shared pool keeps the default.
    const [after] = await svc.sql<{ mode: string }[]>`select current_setting('plan_cache_mode') as mode`;
    expect(after?.mode).toBe('auto');
  });
});
