// What every scenario gets: the run's settings, the database, the service under test and an
// owner's key — plus the few moves they all make (an autocannon run in a child process, waiting
// for the queue to drain, submitting one job and waiting for it).
import type { Sql } from '../../src/db/client.ts';
import type { HttpLoadArgs, HttpLoadResult } from '../load-http.ts';
import { runBenchChild } from './child-process.ts';
import { median } from './stats.ts';

export interface BenchContext {
  quick: boolean;
  /** Repeats of the cheap figures; their median is reported. */
  runs: number;
  /** Seconds per autocannon run. */
  loadSeconds: number;
  databaseUrl: string;
  sql: Sql;
  serviceUrl: string;
  servicePid: number;
  key: string;
  log(line: string): void;
}

export function runHttpLoad(args: HttpLoadArgs): Promise<HttpLoadResult> {
  return runBenchChild<HttpLoadResult>(
    'load-http',
    'load-http.ts',
    {},
    args,
    (args.durationSeconds + 30) * 1000,
  );
}

/** Runs `measure` ctx.runs times and returns the median (and each run, for the log). */
export async function medianOfRuns(ctx: BenchContext, measure: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < ctx.runs; i++) values.push(await measure());
  return median(values);
}

export function authHeaders(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
}

/** Waits until no job is queued or running, so one scenario's backlog never loads the next. */
export async function waitForDrain(ctx: BenchContext, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await ctx.sql<{ n: number }[]>`
      select count(*)::int as n from jobs where status in ('queued', 'running')`;
    if ((row?.n ?? 0) === 0) return true;
    if (Date.now() > deadline) {
      ctx.log(`queue not drained after ${timeoutMs} ms (${row?.n} left); purging it`);
      await purgeBacklog(ctx.sql);
      return false;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Drops whatever is still queued (bench database only): queue entries first, then our rows; then
 * vacuums what that left dead. A purge after a batch step cancels ~300,000 rows at once, and the
 * step after it ran at a third of its rate while autovacuum worked through them (run N: ROLE=api
 * submit 1,075 and 1,173 req/s, then 3,224 once it was done) — a cost of the bench's own cleanup,
 * not of anything the service does.
 */
export async function purgeBacklog(sql: Sql): Promise<void> {
  await sql`delete from pgboss.job where state in ('created', 'retry')`;
  await sql`update jobs set status = 'canceled', finished_at = now() where status in ('queued', 'running')`;
  await sql`vacuum (analyze) jobs, owner_active_deltas, pgboss.job`;
}

/** Submits one job and waits (Prefer: wait) for it to finish; returns the id and the final answer. */
export async function submitAndWait(
  ctx: BenchContext,
  body: unknown,
): Promise<{ id: string; status: number }> {
  const res = await fetch(`${ctx.serviceUrl}/v1/jobs`, {
    method: 'POST',
    headers: { ...authHeaders(ctx.key), prefer: 'wait=10' },
    body: JSON.stringify(body),
    redirect: 'manual',
  });
  const job = (await res.json()) as { id: string };
  return { id: job.id, status: res.status };
}

/** Whether a job-scoped route exists: with our own job's id, a 404 can only mean "no such route". */
export async function hasJobRoute(ctx: BenchContext, jobId: string, suffix: string): Promise<boolean> {
  const controller = new AbortController();
  const res = await fetch(`${ctx.serviceUrl}/v1/jobs/${jobId}/${suffix}`, {
    headers: authHeaders(ctx.key),
    signal: controller.signal,
    redirect: 'manual',
  });
  controller.abort(); // an SSE answer would otherwise stay open
  return res.status !== 404 && res.status !== 405;
}
