// Batch submits run on lanes of their own (service.ts batchLanes): batches stuck in their
// transactions (here: waiting for their owner's submit lock, which another session holds) take
// up every batch lane, and another owner's single submit is still answered 202 meanwhile — it
// does not wait for a lane behind them; the batches are answered once the lock is free.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ ROLE: 'api' });
});
afterAll(async () => {
  await svc?.stop();
});

const job = { type: 'demo.sleep', input: { duration_ms: 0, steps: 1 } };

describe('batch submit lanes', () => {
  it('leave single submits free while every batch lane is busy', async () => {
    const importer = await svc.newOwner();
    const other = await svc.newOwner();
    const holder = await svc.sql.reserve();
    let batches: Promise<Response>[] = [];
    try {
      await holder`begin`;
      await holder`select pg_advisory_xact_lock(hashtextextended(${`submit:${importer.ownerId}`}, 0))`;
      // Three batches: two wait on the lock inside the two lanes, the third for a lane.
      let settled = 0;
      batches = Array.from({ length: 3 }, () =>
        importer
          .fetch('/v1/jobs/batch', { method: 'POST', json: { jobs: [job, job] } })
          .finally(() => settled++),
      );
      // Until both lanes have sent their lock request (they wait on it server-side).
      for (let waiting = 0; waiting < 2; ) {
        await new Promise((r) => setTimeout(r, 50));
        const [row] = await svc.sql<{ n: number }[]>`
          select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`;
        waiting = row?.n ?? 0;
      }
      const single = await other.fetch('/v1/jobs', { method: 'POST', json: job });
      expect(single.status).toBe(202);
      expect(settled).toBe(0);
    } finally {
      await holder`rollback`;
      holder.release();
    }
    // Once the lock is free, every batch is written and answered.
    const answers = await Promise.all(batches);
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    const [row] = await svc.sql<{ n: number }[]>`
      select count(*)::int as n from jobs where owner_id = ${importer.ownerId}`;
    expect(row?.n).toBe(6);
  });
});
