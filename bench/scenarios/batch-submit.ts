// Batch submit throughput: jobs/s accepted through POST /v1/jobs/batch in batches of 100 and
// 1,000, beside pg-boss's own batch insert() of the same sizes on the same database in the same
// run. Jobs are scheduled a day ahead (on both sides), so the service's workers leave them alone
// and acceptance is measured alone; the backlog is purged after each run.
import { randomUUID } from 'node:crypto';
import { PgBoss } from 'pg-boss';
import { createApiKey } from '../../src/identity/api-key-store.ts';
import { type BenchContext, medianOfRuns, purgeBacklog, runHttpLoad } from '../support/bench-context.ts';
import type { Figure } from '../support/figure-table.ts';

const SIZES = [100, 1000] as const;
const CONNECTIONS = 4;
/** Owners the requests rotate over: each owner's cap count stays small, as with many tenants. */
const OWNERS = 20;
export const RAW_QUEUE = 'bench.raw-batch';

export type BatchSubmitFigures = Record<
  (typeof SIZES)[number],
  { service: number; insert: number | undefined }
>;

const runAt = () => new Date(Date.now() + 86_400_000).toISOString();

async function measureService(ctx: BenchContext, size: number, keys: string[]): Promise<number> {
  return medianOfRuns(ctx, async () => {
    const item = { type: 'demo.sleep', input: { duration_ms: 0, steps: 1 }, run_at: runAt() };
    const result = await runHttpLoad({
      url: `${ctx.serviceUrl}/v1/jobs/batch`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jobs: Array(size).fill(item) }),
      connections: CONNECTIONS,
      durationSeconds: ctx.loadSeconds,
      rotateAuthorization: keys.map((k) => `Bearer ${k}`),
    });
    ctx.log(
      `batch of ${size}: ${result.requestsPerSecond.toFixed(1)} req/s, p50 ${result.latencyP50Ms} ms ${JSON.stringify(result.statusCodes)}`,
    );
    await purgeBacklog(ctx.sql);
    // Only accepted batches count.
    return ((result.statusCodes['202'] ?? 0) / Math.max(1, result.total)) * result.requestsPerSecond * size;
  });
}

/**
 * The baseline's load: pg-boss insert() of `size` jobs a day ahead per call into RAW_QUEUE, from
 * CONNECTIONS concurrent callers for `seconds`. Returns how many jobs were inserted.
 */
export async function insertForSeconds(boss: PgBoss, size: number, seconds: number): Promise<number> {
  const startAfter = runAt();
  const deadline = performance.now() + seconds * 1000;
  let inserted = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline) {
        const jobs = Array.from({ length: size }, () => {
          const id = randomUUID();
          return { id, data: { job_id: id }, startAfter };
        });
        await boss.insert(RAW_QUEUE, jobs);
        inserted += size;
      }
    }),
  );
  return inserted;
}

/** pg-boss insert() of `size` jobs per call from CONNECTIONS concurrent callers for loadSeconds. */
async function measureInsert(ctx: BenchContext, boss: PgBoss, size: number): Promise<number> {
  return medianOfRuns(ctx, async () => {
    const started = performance.now();
    const inserted = await insertForSeconds(boss, size, ctx.loadSeconds);
    const rate = inserted / ((performance.now() - started) / 1000);
    ctx.log(`pg-boss insert() of ${size}: ${rate.toFixed(0)} jobs/s`);
    await ctx.sql`delete from pgboss.job where name = ${RAW_QUEUE}`;
    return rate;
  });
}

export async function measureBatchSubmit(ctx: BenchContext): Promise<BatchSubmitFigures> {
  const keys: string[] = [];
  for (let i = 0; i < OWNERS; i++) keys.push((await createApiKey(ctx.sql, `bench_batch_${i}`)).key);
  const boss = new PgBoss({ connectionString: ctx.databaseUrl, max: 10, schedule: false });
  boss.on('error', (error) => ctx.log(`pg-boss (baseline) error: ${String(error)}`));
  await boss.start();
  await boss.createQueue(RAW_QUEUE);
  try {
    const figures = {} as BatchSubmitFigures;
    for (const size of SIZES) {
      figures[size] = {
        service: await measureService(ctx, size, keys),
        insert: await measureInsert(ctx, boss, size),
      };
    }
    return figures;
  } finally {
    await boss.stop({ graceful: false });
  }
}

export function batchSubmitFigures(m: BatchSubmitFigures | undefined): Figure[] {
  return SIZES.map((size) => ({
    name: `Batch submit, ${size.toLocaleString('en-US')} jobs per request, ${CONNECTIONS} conns`,
    unit: 'jobs/s',
    ours: m?.[size].service ?? 'not measured',
    baseline:
      m?.[size].insert === undefined
        ? undefined
        : { name: `pg-boss insert() of ${size.toLocaleString('en-US')}`, value: m[size].insert },
    target: {
      text: '≥ 0.5× baseline',
      met: (ours: number, base: number | undefined) => base !== undefined && ours >= 0.5 * base,
    },
  }));
}
