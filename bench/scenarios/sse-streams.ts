// Progress→SSE-client latency (jobs reporting progress every 50 ms, a separate client process)
// and open streams per 100 MiB of the service's RSS. Measured only when GET /v1/jobs/{id}/events
// exists; otherwise the figures say so.
import type { SseArgs, SseResult } from '../load-sse.ts';
import { authHeaders, type BenchContext, hasJobRoute, submitAndWait } from '../support/bench-context.ts';
import { rssMiB, spawnBenchChild } from '../support/child-process.ts';
import { percentile } from '../support/stats.ts';

export type SseFigures =
  | { available: false }
  | { available: true; p50Ms: number; p99Ms: number; samples: number; streamsPer100MiB: number };

async function submitMany(ctx: BenchContext, count: number, input: unknown): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${ctx.serviceUrl}/v1/jobs`, {
      method: 'POST',
      headers: authHeaders(ctx.key),
      body: JSON.stringify({ type: 'demo.sleep', input }),
    });
    const job = (await res.json()) as { id?: string };
    if (job.id) ids.push(job.id);
  }
  return ids;
}

async function cancelAll(ctx: BenchContext, ids: string[]) {
  for (const id of ids)
    await fetch(`${ctx.serviceUrl}/v1/jobs/${id}/cancel`, {
      method: 'POST',
      headers: authHeaders(ctx.key),
    }).then((r) => r.arrayBuffer());
}

export async function measureSse(ctx: BenchContext): Promise<SseFigures> {
  const probe = await submitAndWait(ctx, { type: 'demo.sleep', input: { duration_ms: 0, steps: 1 } });
  if (!(await hasJobRoute(ctx, probe.id, 'events'))) return { available: false };

  // Latency: fewer jobs than worker slots, so every one runs at once and reports every 50 ms.
  const latencyJobs = await submitMany(ctx, 8, { duration_ms: ctx.quick ? 2000 : 5000, steps: 50 });
  const latency = spawnBenchChild('load-sse', 'load-sse.ts', {});
  latency.send({
    type: 'args',
    args: {
      url: ctx.serviceUrl,
      key: ctx.key,
      jobIds: latencyJobs,
      timeoutMs: 30_000,
      mode: 'latency',
    } satisfies SseArgs,
  });
  const { result } = await latency.next<{ result: SseResult }>('result', 40_000);
  await latency.stop(2000);

  // Memory: streams on jobs that stay queued or running (long sleeps, one step: no progress).
  const streamCount = ctx.quick ? 200 : 1000;
  const streamJobs = await submitMany(ctx, streamCount, { duration_ms: 600_000, steps: 1 });
  global.gc?.();
  const before = await rssMiB(ctx.servicePid);
  const streams = spawnBenchChild('load-sse', 'load-sse.ts', {});
  streams.send({
    type: 'args',
    args: {
      url: ctx.serviceUrl,
      key: ctx.key,
      jobIds: streamJobs,
      timeoutMs: 60_000,
      mode: 'streams',
    } satisfies SseArgs,
  });
  let opened = 0;
  try {
    opened = Number((await streams.next<{ opened: number }>('opened', 60_000)).opened);
  } catch (error) {
    ctx.log(`sse streams: ${String(error)}`);
  }
  await new Promise((r) => setTimeout(r, 1000));
  const after = await rssMiB(ctx.servicePid);
  streams.send({ type: 'close' });
  await streams.next('result', 10_000).catch(() => {});
  await streams.stop(2000);
  await cancelAll(ctx, streamJobs);
  ctx.log(
    `sse: ${opened} streams, rss ${before.toFixed(0)} → ${after.toFixed(0)} MiB; ${result.errors} errors`,
  );
  return {
    available: true,
    samples: result.latenciesMs.length,
    p50Ms: percentile(result.latenciesMs, 50),
    p99Ms: percentile(result.latenciesMs, 99),
    streamsPer100MiB: opened > 0 ? (opened / Math.max(0.5, after - before)) * 100 : Number.NaN,
  };
}
