// Correctness with batching on (issue #12 item 3): workers fetch, claim, heartbeat and settle in
// batches, and still fence by (id, attempt), write exactly one terminal status, keep the callback
// outbox in the terminal transaction, let a cancel reach one job of a batch, re-run a crashed
// batch, and give jobs back on a graceful stop without spending a retry (issue #11 item 6).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql, type Sql } from '../../src/db/client.ts';
import { startAttempts } from '../../src/jobs/job-store.ts';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { AttemptFinisher } from '../../src/worker/attempt-finisher.ts';
import { startWorkers, type Workers } from '../../src/worker/workers.ts';
import { LOCAL_CALLBACKS } from '../support/callback-receiver.ts';
import { killChildren, spawnNode } from '../support/child-service.ts';
import { startTestService, type TestOwner, type TestService, waitFor } from '../support/test-service.ts';

let svc: TestService;
let relaxedSql: Sql;
beforeAll(async () => {
  // ROLE=api: each test starts the workers it needs, so it controls batches, stops and crashes.
  svc = await startTestService({ ROLE: 'api', ...LOCAL_CALLBACKS });
  relaxedSql = createSql(svc.databaseUrl, { max: 2, durableCommits: false });
});
afterAll(async () => {
  await killChildren();
  await relaxedSql?.end();
  await svc?.stop();
});

function workersOf(concurrency: number, stopGraceMs?: number): Promise<Workers> {
  const deps = svc.service.deps;
  return startWorkers({
    sql: svc.sql,
    relaxedSql,
    boss: deps.boss,
    feed: deps.feed,
    registry: deps.registry,
    log: deps.log,
    terminalHooks: deps.terminalHooks,
    concurrency,
    ...(stopGraceMs === undefined ? {} : { stopGraceMs }),
  });
}

async function submit(owner: TestOwner, input: unknown, extra: Record<string, unknown> = {}) {
  const res = await owner.fetch('/v1/jobs', {
    method: 'POST',
    json: { type: 'demo.sleep', input, ...extra },
  });
  expect(res.status).toBe(202);
  return JobSchema.parse(await res.json()).id;
}

const statusesOf = (ids: string[]) =>
  svc.sql<{ id: string; status: string; attempt: number }[]>`
    select id, status, attempt from jobs where id = any(${ids}) order by id`;

describe('with batching on', () => {
  it('fences a stale attempt in a batch by (id, attempt), in our row and in its queue entry', async () => {
    const owner = await svc.newOwner();
    const queue = 'job.demo.sleep';
    const boss = svc.service.deps.boss;
    const ids = [await submit(owner, { duration_ms: 0 }), await submit(owner, { duration_ms: 0 })];
    const [stale, other] = ids as [string, string];
    const first = await boss.fetch(queue, { batchSize: 10 });
    const entryOf = (id: string, jobs: typeof first) => {
      const j = jobs.find((x) => x.id === id);
      if (!j) throw new Error(`entry ${id} not fetched`);
      return { queue, id: j.id, retryCount: j.retryCount };
    };
    await startAttempts(svc.sql, ids);
    // The first claim of `stale` is lost (as after a missed heartbeat); pg-boss hands the entry
    // out again and a second attempt claims the row.
    const staleEntry = entryOf(stale, first);
    await boss.fail(queue, [staleEntry], { message: 'heartbeat lost' });
    const second = await waitFor(async () => {
      const jobs = await boss.fetch(queue, { batchSize: 10 });
      return jobs.length > 0 ? jobs : undefined;
    });
    const [reclaimed] = await startAttempts(svc.sql, [stale]);
    expect(reclaimed?.attempt).toBe(2);

    const finisher = new AttemptFinisher(svc.sql, svc.service.deps.terminalHooks, boss);
    // One batch: the stale attempt's success, and the other job's legitimate one.
    const [staleRow, otherRow] = await Promise.all([
      finisher.finish(stale, 1, { status: 'succeeded', output: { stale: true } }, staleEntry),
      finisher.finish(other, 1, { status: 'succeeded', output: {} }, entryOf(other, first)),
    ]);
    expect(staleRow).toBeUndefined();
    expect(otherRow?.status).toBe('succeeded');
    const [row] = await svc.sql`select status, attempt, output from jobs where id = ${stale}`;
    expect(row).toMatchObject({ status: 'running', attempt: 2, output: null });
    const [entry] = await svc.sql`select state, retry_count from pgboss.job where id = ${stale}::uuid`;
    expect(entry).toMatchObject({ state: 'active', retry_count: 1 });

    const fresh = await finisher.finish(
      stale,
      2,
      { status: 'succeeded', output: {} },
      entryOf(stale, second),
    );
    expect(fresh?.status).toBe('succeeded');
    // The finished job's entry is gone (deleted with the terminal status, fenced like complete()).
    const done = await svc.sql`select state from pgboss.job where id = ${stale}::uuid`;
    expect(done).toHaveLength(0);
  });

  it('writes exactly one terminal status per job, and the callback outbox with it, under a flood with cancels', async () => {
    const owner = await svc.newOwner();
    const ids: string[] = [];
    for (let i = 0; i < 120; i++)
      ids.push(
        await submit(
          owner,
          { duration_ms: (i % 6) * 10, steps: 2 },
          i % 3 === 0 ? { callback_url: 'http://127.0.0.1:9/hook' } : {},
        ),
      );
    const workers = await workersOf(32);
    try {
      await Promise.all(
        ids
          .filter((_, i) => i % 5 === 0)
          .map(async (id, i) => {
            await new Promise((r) => setTimeout(r, (i % 6) * 7));
            await owner.fetch(`/v1/jobs/${id}/cancel`, { method: 'POST' });
          }),
      );
      await waitFor(
        async () => (await statusesOf(ids)).every((r) => ['succeeded', 'canceled'].includes(r.status)),
        60_000,
        100,
      );
      // Every queue entry settled: deleted with its job's terminal status, or cancelled with a job
      // canceled while queued.
      await waitFor(async () => {
        const [n] = await svc.sql`
          select count(*)::int as open from pgboss.job
          where id = any(${ids}::uuid[]) and state not in ('completed', 'cancelled')`;
        return n?.open === 0;
      }, 30_000);
    } finally {
      await workers.stop();
    }
    const terminal = await svc.sql<{ job_id: string; n: number }[]>`
      select job_id, count(*)::int as n from job_events
      where job_id = any(${ids}) and kind = 'status' and payload->>'status' in ('succeeded', 'failed', 'canceled')
      group by job_id`;
    expect(terminal).toHaveLength(ids.length);
    expect(terminal.every((t) => t.n === 1)).toBe(true);
    // The outbox: each job with a callback_url has exactly one event and one first attempt queued.
    const withCallback = ids.filter((_, i) => i % 3 === 0);
    const outbox = await svc.sql<{ job_id: string; events: number; attempts: number }[]>`
      select e.job_id, count(*)::int as events,
        (select count(*)::int from pgboss.job b where b.name = 'callback-delivery' and b.data->>'event_id' = min(e.id)) as attempts
      from webhook_events e where e.job_id = any(${withCallback}) group by e.job_id`;
    expect(outbox).toHaveLength(withCallback.length);
    expect(outbox.every((o) => o.events === 1 && o.attempts === 1)).toBe(true);
  });

  it('lets a cancel reach one job of a running batch while the others run on', async () => {
    const owner = await svc.newOwner();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await submit(owner, { duration_ms: 60_000, steps: 600 }));
    const workers = await workersOf(16);
    try {
      await waitFor(async () => (await statusesOf(ids)).every((r) => r.status === 'running'), 20_000);
      const target = ids[2] as string;
      const res = await owner.fetch(`/v1/jobs/${target}/cancel`, { method: 'POST' });
      expect(res.status).toBe(202);
      await waitFor(async () => (await statusesOf([target]))[0]?.status === 'canceled', 10_000);
      const others = (await statusesOf(ids)).filter((r) => r.id !== target);
      expect(others.every((r) => r.status === 'running')).toBe(true);
      for (const id of ids) await owner.fetch(`/v1/jobs/${id}/cancel`, { method: 'POST' });
      await waitFor(async () => (await statusesOf(ids)).every((r) => r.status === 'canceled'), 10_000);
    } finally {
      await workers.stop();
    }
  });

  it("re-runs a crashed worker process's whole batch", { timeout: 120_000 }, async () => {
    const owner = await svc.newOwner();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await submit(owner, { duration_ms: 3000, steps: 30 }));
    const child = spawnNode('src/main.ts', [], { DATABASE_URL: svc.databaseUrl, ROLE: 'worker' });
    await waitFor(
      async () => (await statusesOf(ids)).every((r) => r.status === 'running' && r.attempt === 1),
      60_000,
      50,
    );
    process.kill(-(child.proc.pid as number), 'SIGKILL');
    await child.exited;
    const workers = await workersOf(8);
    try {
      // pg-boss fails the entries once their heartbeat goes stale (10 s), then they run again.
      await waitFor(async () => (await statusesOf(ids)).every((r) => r.status === 'succeeded'), 90_000, 200);
    } finally {
      await workers.stop();
    }
    expect((await statusesOf(ids)).every((r) => r.attempt === 2)).toBe(true);
  });

  it('gives a long job back on each of six graceful stops without spending its crash retries', {
    timeout: 120_000,
  }, async () => {
    const owner = await svc.newOwner();
    const id = await submit(owner, { duration_ms: 4000, steps: 40 });
    for (let deploy = 1; deploy <= 6; deploy++) {
      const workers = await workersOf(4, 50);
      await waitFor(async () => {
        const [row] = await statusesOf([id]);
        return row?.status === 'running' && row.attempt === deploy;
      }, 20_000);
      await workers.stop(); // the job outlives the 50 ms grace
      const [row] = await statusesOf([id]);
      expect(row).toMatchObject({ status: 'queued', attempt: deploy });
    }
    const [entry] = await svc.sql`select state, retry_count from pgboss.job where id = ${id}::uuid`;
    expect(entry).toMatchObject({ state: 'created', retry_count: 0 });
    const workers = await workersOf(4);
    try {
      await waitFor(async () => (await statusesOf([id]))[0]?.status === 'succeeded', 30_000, 100);
    } finally {
      await workers.stop();
    }
    const [job] = await svc.sql`select attempt, failures, error from jobs where id = ${id}`;
    expect(job).toMatchObject({ attempt: 7, failures: 0, error: null });
  });
});
