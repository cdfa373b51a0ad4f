// Callback delivery alone: a backlog of due deliveries is built while no dispatcher runs (ROLE=api,
// the jobs' terminal statuses written from here through the service's own finisher and callback
// hook, so each event and first attempt is exactly what a worker would have committed), then one
// ROLE=worker process starts and drains it. Arrivals per second at the receiver, first to last:
// the delivery path's own rate, not bounded by how fast jobs finish.

import { startAttempts } from '../../src/jobs/job-store.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createBoss } from '../../src/queue/queue.ts';
import { createCallbackHook } from '../../src/webhooks/callback-hook.ts';
import { AttemptFinisher } from '../../src/worker/attempt-finisher.ts';
import type { SubmitArgs, SubmitResult } from '../load-submit.ts';
import type { BenchContext } from '../support/bench-context.ts';
import { type BenchChild, runBenchChild, spawnBenchChild } from '../support/child-process.ts';

export async function measureCallbackBacklog(
  ctx: BenchContext,
  jobs: number,
  startWorker: () => Promise<BenchChild>,
): Promise<{ delivered: number; perSecond: number; worker: BenchChild }> {
  const receiver = spawnBenchChild('callback-receiver', 'callback-receiver.ts', {});
  const boss = createBoss(ctx.databaseUrl, createLogger('warn'), { max: 2 });
  try {
    const { url } = await receiver.next<{ url: string }>('ready', 10_000);
    const body = { type: 'demo.sleep', input: { duration_ms: 0, steps: 1 }, callback_url: url };
    const { sent } = await runBenchChild<SubmitResult>(
      'load-submit',
      'load-submit.ts',
      {},
      {
        url: ctx.serviceUrl,
        key: ctx.key,
        body,
        mode: 'flood',
        total: jobs,
        durationSeconds: 30,
        connections: 50,
      } satisfies SubmitArgs,
      120_000,
    );
    await boss.start();
    const finisher = new AttemptFinisher(ctx.sql, [
      createCallbackHook({ boss, publicBaseUrl: undefined, timeoutMs: 10_000 }),
    ]);
    const ids = sent.map(([id]) => id);
    for (let i = 0; i < ids.length; i += 500) {
      const claimed = await startAttempts(ctx.sql, ids.slice(i, i + 500));
      await Promise.all(
        claimed.map((j) => finisher.finish(j.id, j.attempt, { status: 'succeeded', output: {} })),
      );
    }
    await boss.stop({ graceful: false, timeout: 1000 });
    // Their queue entries would only be fetched and found finished: keep them out of the measure.
    await ctx.sql`delete from pgboss.job where id = any(${ids}::uuid[])`;
    const worker = await startWorker();
    const deadline = Date.now() + (ctx.quick ? 20_000 : 60_000);
    let report = { count: 0, first: 0, last: 0 };
    while (Date.now() < deadline) {
      receiver.send({ type: 'report' });
      report = await receiver.next('report', 5000);
      if (report.count >= ids.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const perSecond = report.count / Math.max(0.001, (report.last - report.first) / 1000);
    ctx.log(`callback backlog: ${report.count}/${ids.length} delivered at ${Math.round(perSecond)}/s`);
    return { delivered: report.count, perSecond, worker };
  } finally {
    await receiver.stop(2000);
  }
}
