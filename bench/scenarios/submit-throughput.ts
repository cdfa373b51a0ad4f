// Submit throughput: POST /v1/jobs (demo.sleep, duration_ms 0) with 50 connections against the
// Hono + one INSERT answering 202 baseline, each the median of ctx.runs autocannon runs.
import {
  authHeaders,
  type BenchContext,
  medianOfRuns,
  purgeBacklog,
  runHttpLoad,
  waitForDrain,
} from '../support/bench-context.ts';
import { median } from '../support/stats.ts';

export const SUBMIT_BODY = { type: 'demo.sleep', input: { duration_ms: 0, steps: 1 } };
const CONNECTIONS = 50;

/** With `workers: false` (ROLE=api) nothing drains the queue, so the backlog is purged after each run. */
export async function measureSubmit(
  ctx: BenchContext,
  options: { serviceUrl?: string; workers: boolean; keys?: string[] },
): Promise<number> {
  const serviceUrl = options.serviceUrl ?? ctx.serviceUrl;
  return medianOfRuns(ctx, async () => {
    const result = await runHttpLoad({
      url: `${serviceUrl}/v1/jobs`,
      method: 'POST',
      headers: authHeaders(ctx.key),
      body: JSON.stringify(SUBMIT_BODY),
      connections: CONNECTIONS,
      durationSeconds: ctx.loadSeconds,
      rotateAuthorization: options.keys?.map((k) => `Bearer ${k}`),
    });
    ctx.log(
      `submit${options.keys ? ` (${options.keys.length} owners)` : ''}: ${result.requestsPerSecond.toFixed(0)} req/s ${JSON.stringify(result.statusCodes)}`,
    );
    const accepted = result.statusCodes['202'] ?? 0;
    // Only accepted jobs count: a 429 or 500 storm must not look fast.
    const rate = (accepted / Math.max(1, result.total)) * result.requestsPerSecond;
    if (options.workers) await waitForDrain(ctx, ctx.quick ? 1000 : 15_000);
    else await purgeBacklog(ctx.sql);
    return rate;
  });
}

export async function measureInsertBaseline(ctx: BenchContext, baselineUrl: string): Promise<number> {
  return medianOfRuns(ctx, async () => {
    const result = await runHttpLoad({
      url: `${baselineUrl}/items`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(SUBMIT_BODY),
      connections: CONNECTIONS,
      durationSeconds: ctx.loadSeconds,
    });
    ctx.log(
      `hono+insert: ${result.requestsPerSecond.toFixed(0)} req/s ${JSON.stringify(result.statusCodes)}`,
    );
    return ((result.statusCodes['202'] ?? 0) / Math.max(1, result.total)) * result.requestsPerSecond;
  });
}

/**
 * Ours and the Hono + INSERT baseline run by run in turn (as the status polls are), medians of
 * each: a change in the machine's load between two blocks of runs moved their ratio by 30–50 %.
 */
export async function measureSubmitBesideInsert(
  ctx: BenchContext,
  baselineUrl: string,
  options: { workers: boolean },
): Promise<{ ours: number; insert: number }> {
  const once = { ...ctx, runs: 1 };
  const ours: number[] = [];
  const insert: number[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    ours.push(await measureSubmit(once, options));
    insert.push(await measureInsertBaseline(once, baselineUrl));
  }
  return { ours: median(ours), insert: median(insert) };
}
