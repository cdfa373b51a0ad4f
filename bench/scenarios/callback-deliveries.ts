// Callback deliveries/s to a local receiver in its own process: jobs submitted with a
// callback_url, counted where they land. Measured only when the delivery routes exist.
import type { SubmitArgs, SubmitResult } from '../load-submit.ts';
import { type BenchContext, hasJobRoute, submitAndWait } from '../support/bench-context.ts';
import { runBenchChild, spawnBenchChild } from '../support/child-process.ts';

export type CallbackFigures =
  | { available: false }
  | { available: true; delivered: number; perSecond: number; arrivalsPerSecond: number };

export async function measureCallbacks(ctx: BenchContext, jobs: number): Promise<CallbackFigures> {
  const probe = await submitAndWait(ctx, { type: 'demo.sleep', input: { duration_ms: 0, steps: 1 } });
  if (!(await hasJobRoute(ctx, probe.id, 'deliveries'))) return { available: false };

  const receiver = spawnBenchChild('callback-receiver', 'callback-receiver.ts', {});
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
        durationSeconds: 20,
        connections: 50,
      } satisfies SubmitArgs,
      120_000,
    );
    const deadline = Date.now() + (ctx.quick ? 20_000 : 90_000);
    let report = { count: 0, first: 0, last: 0 };
    while (Date.now() < deadline) {
      receiver.send({ type: 'report' });
      report = await receiver.next('report', 5000);
      if (report.count >= sent.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const firstSent = Math.min(...sent.map(([, at]) => at));
    const [window] = await ctx.sql<{ ms: number }[]>`
      select extract(epoch from max(finished_at) - min(created_at)) * 1000 as ms from jobs
      where id = any(${sent.map(([id]) => id)}::text[])`;
    ctx.log(
      `callbacks: ${report.count}/${sent.length} delivered; the jobs themselves finished at ${Math.round(sent.length / (Number(window?.ms ?? 0) / 1000))}/s`,
    );
    // From the first submit to the last arrival: deliveries can only be as fast as jobs finish.
    return {
      available: true,
      delivered: report.count,
      perSecond: report.count / Math.max(0.001, (report.last - firstSent) / 1000),
      // Between the first and the last arrival: still bounded by how fast the jobs finish.
      arrivalsPerSecond: report.count / Math.max(0.001, (report.last - report.first) / 1000),
    };
  } finally {
    await receiver.stop(2000);
  }
}
