// End to end: jobs submitted over HTTP until they are succeeded — completed jobs/s when flooded,
// and submit→succeeded latency at a fixed offered rate — against the naive design
// (baselines/naive-design.ts) driven by the same client, and (diagnostic) raw pg-boss send + work
// with our old worker settings. Send times are the client's clock; finished_at is the database's,
// on the same machine.
import type { RawPgBossArgs, RawPgBossResult } from '../baselines/raw-pgboss.ts';
import type { SubmitMode, SubmitResult } from '../load-submit.ts';
import { type BenchContext, waitForDrain } from '../support/bench-context.ts';
import { runBenchChild, spawnBenchChild } from '../support/child-process.ts';
import { percentile } from '../support/stats.ts';
import { SUBMIT_BODY } from './submit-throughput.ts';

export interface EndToEnd {
  sent: number;
  completed: number;
  jobsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** The worker settings the service had before #12 (batchSize 1, 16 workers): a diagnostic only. */
const OLD_WORKER_CONCURRENCY = 16;

/** Where finished jobs are read: our jobs table, or the naive design's (uuid ids). */
type JobTable = 'jobs' | 'naive_jobs';

async function collectFinished(
  ctx: BenchContext,
  sent: Array<[string, number]>,
  timeoutMs: number,
  table: JobTable = 'jobs',
) {
  const ids = sent.map(([id]) => id);
  const idMatch = table === 'jobs' ? ctx.sql`id = any(${ids}::text[])` : ctx.sql`id = any(${ids}::uuid[])`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await ctx.sql<{ n: number }[]>`
      select count(*)::int as n from ${ctx.sql(table)} where ${idMatch} and finished_at is not null`;
    if ((row?.n ?? 0) >= ids.length || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const rows = await ctx.sql<{ id: string; ms: number }[]>`
    select id::text, extract(epoch from finished_at) * 1000 as ms from ${ctx.sql(table)}
    where ${idMatch} and status = 'succeeded'`;
  const finished = new Map(rows.map((r) => [r.id, Number(r.ms)]));
  const latencies: number[] = [];
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const [id, at] of sent) {
    first = Math.min(first, at);
    const done = finished.get(id);
    if (done === undefined) continue;
    latencies.push(done - at);
    last = Math.max(last, done);
  }
  return {
    sent: sent.length,
    completed: latencies.length,
    jobsPerSecond: latencies.length / Math.max(0.001, (last - first) / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  } satisfies EndToEnd;
}

const submitter = (ctx: BenchContext, args: SubmitMode, url = ctx.serviceUrl) =>
  runBenchChild<SubmitResult>(
    'load-submit',
    'load-submit.ts',
    {},
    { url, key: ctx.key, body: SUBMIT_BODY, ...args },
    180_000,
  );

/** The naive design in its own process, flooded or at a rate by the same client as ours. */
export async function measureNaive(
  ctx: BenchContext,
  load:
    | { mode: 'flood'; durationSeconds: number }
    | { mode: 'rate'; ratePerSecond: number; durationSeconds: number },
): Promise<EndToEnd> {
  const naive = spawnBenchChild('naive-design', 'baselines/naive-design.ts', {
    DATABASE_URL: ctx.databaseUrl,
  });
  try {
    const { url } = await naive.next<{ url: string }>('ready', 30_000);
    const args: SubmitMode =
      load.mode === 'flood'
        ? { mode: 'flood', durationSeconds: load.durationSeconds, connections: 50 }
        : {
            mode: 'rate',
            ratePerSecond: load.ratePerSecond,
            durationSeconds: load.durationSeconds,
            maxInFlight: ctx.quick ? 100 : 1000,
          };
    const { sent } = await submitter(ctx, args, url);
    const result = await collectFinished(ctx, sent, finishWaitMs(ctx), 'naive_jobs');
    ctx.log(`naive design ${load.mode}: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await naive.stop(3000);
  }
}

/** How long to wait for the last jobs to finish after the submitting stops. */
const finishWaitMs = (ctx: BenchContext) => (ctx.quick ? 2000 : 30_000);

export async function measureEndToEndFlood(ctx: BenchContext, durationSeconds: number): Promise<EndToEnd> {
  const { sent, rejected } = await submitter(ctx, { mode: 'flood', durationSeconds, connections: 50 });
  const result = await collectFinished(ctx, sent, finishWaitMs(ctx));
  ctx.log(`e2e flood: ${JSON.stringify(result)} rejected ${rejected}`);
  await waitForDrain(ctx, ctx.quick ? 1000 : 5000);
  return result;
}

/**
 * The flooded figure and its naive baseline, run by run in turn: the naive design's rate is bound
 * by its commits' fsyncs and moved from 545 to 871 jobs/s between two runs minutes apart.
 * Returns the run with the median rate of each.
 */
export async function measureFloodBesideNaive(
  ctx: BenchContext,
  durationSeconds: number,
): Promise<{ ours: EndToEnd; naive: EndToEnd }> {
  const ours: EndToEnd[] = [];
  const naive: EndToEnd[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    naive.push(await measureNaive(ctx, { mode: 'flood', durationSeconds }));
    ours.push(await measureEndToEndFlood(ctx, durationSeconds));
  }
  const medianRun = (runs: EndToEnd[]) =>
    [...runs].sort((a, b) => a.jobsPerSecond - b.jobsPerSecond)[runs.length >> 1] as EndToEnd;
  return { ours: medianRun(ours), naive: medianRun(naive) };
}

export async function measureEndToEndAtRate(
  ctx: BenchContext,
  ratePerSecond: number,
  durationSeconds: number,
): Promise<EndToEnd> {
  const { sent, rejected, dropped } = await submitter(ctx, {
    mode: 'rate',
    ratePerSecond,
    durationSeconds,
    maxInFlight: ctx.quick ? 100 : 1000,
  });
  const result = await collectFinished(ctx, sent, finishWaitMs(ctx));
  ctx.log(`e2e at ${ratePerSecond}/s: ${JSON.stringify(result)} rejected ${rejected} dropped ${dropped}`);
  await waitForDrain(ctx, ctx.quick ? 1000 : 5000);
  return result;
}

export function runRawPgBoss(ctx: BenchContext, args: RawPgBossArgs): Promise<RawPgBossResult> {
  return runBenchChild<RawPgBossResult>(
    'raw-pgboss',
    'baselines/raw-pgboss.ts',
    { DATABASE_URL: ctx.databaseUrl },
    args,
    240_000,
  );
}

export async function rawFlood(ctx: BenchContext, durationSeconds: number): Promise<EndToEnd> {
  const result = await runRawPgBoss(ctx, {
    mode: 'flood',
    durationSeconds,
    connections: 50,
    concurrency: OLD_WORKER_CONCURRENCY,
    waitMs: finishWaitMs(ctx),
  });
  ctx.log(`raw pg-boss flood: ${JSON.stringify(result)}`);
  return result;
}

export async function rawAtRate(ctx: BenchContext, ratePerSecond: number, durationSeconds: number) {
  const result = await runRawPgBoss(ctx, {
    mode: 'rate',
    ratePerSecond,
    durationSeconds,
    concurrency: OLD_WORKER_CONCURRENCY,
    maxInFlight: ctx.quick ? 100 : 1000,
    waitMs: finishWaitMs(ctx),
  });
  ctx.log(`raw pg-boss at ${ratePerSecond}/s: ${JSON.stringify(result)}`);
  return result;
}

/** pg-boss alone: a backlog fetched and completed by one worker with batchSize 50. */
export async function pgBossAlone(ctx: BenchContext, jobs: number): Promise<number> {
  const result = await runRawPgBoss(ctx, { mode: 'drain', jobs, batchSize: 50 });
  ctx.log(`pg-boss alone, batchSize 50: ${JSON.stringify(result)}`);
  return result.jobsPerSecond;
}
