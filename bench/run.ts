// npm run bench [-- --quick] [-- --profile]: starts the service on a fresh embedded PostgreSQL,
// drives it from separate processes, measures each figure beside a baseline on the same database
// in the same run, and prints one table. Never fails on speed; always cleans up after itself.
import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApiKey } from '../src/identity/api-key-store.ts';
import { collectFigures, type Measured } from './collect-figures.ts';
import { type BatchSubmitFigures, batchSubmitFigures, measureBatchSubmit } from './scenarios/batch-submit.ts';
import { measureCallbackBacklog } from './scenarios/callback-backlog.ts';
import { measureCallbacks } from './scenarios/callback-deliveries.ts';
import {
  measureEndToEndAtRate,
  measureEndToEndFlood,
  measureFloodBesideNaive,
  measureNaive,
  pgBossAlone,
  rawFlood,
} from './scenarios/end-to-end.ts';
import { measurePickup, measurePollingPickup } from './scenarios/pickup-latency.ts';
import { measureSse } from './scenarios/sse-streams.ts';
import { measureStatusPolls } from './scenarios/status-polls.ts';
import {
  measureInsertBaseline,
  measureSubmit,
  measureSubmitBesideInsert,
} from './scenarios/submit-throughput.ts';
import { type BenchContext, purgeBacklog } from './support/bench-context.ts';
import { startBenchDatabase } from './support/bench-database.ts';
import { type BenchChild, rssMiB, spawnBenchChild, stopAllChildren } from './support/child-process.ts';
import { renderFigureTable } from './support/figure-table.ts';
import { benchServiceEnv } from './support/service-env.ts';
import { printStatStatements, resetStatStatements } from './support/stat-statements.ts';

const quick = process.argv.includes('--quick');
/** --only=a,b: run only the steps whose name contains one of these (for iterating on one figure). */
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const profile = process.argv.includes('--profile');
const started = Date.now();
const log = (line: string) =>
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${line}\n`);

const settings = quick
  ? {
      runs: 1,
      loadSeconds: 3,
      floodSeconds: 3,
      rate: 1000,
      rateSeconds: 3,
      pickups: 15,
      polls: 4,
      callbacks: 300,
      callbackBacklog: 300,
      drainJobs: 5000,
    }
  : {
      runs: 3,
      loadSeconds: 10,
      floodSeconds: 10,
      rate: 1000,
      rateSeconds: 10,
      pickups: 200,
      polls: 20,
      callbacks: 3000,
      // A backlog of 3,000 drained in about 1.5 s, and its rate moved 1,800–2,700/s between runs.
      callbackBacklog: 10_000,
      drainJobs: 30_000,
    };
// Steps that would start past the soft budget are skipped (their rows say so); the watchdog is
// the hard stop for a hang, the only way this bench exits non-zero apart from a crash.
const BUDGET_MS = quick ? 75_000 : 14 * 60_000;
const WATCHDOG_MS = quick ? 115_000 : 17 * 60_000;
const skipped: string[] = [];
async function step<T>(name: string, expectedSeconds: number, run: () => Promise<T>): Promise<T | undefined> {
  if (only && !only.some((o) => name.includes(o))) return undefined;
  if (Date.now() - started + expectedSeconds * 1000 > BUDGET_MS) {
    log(`${name}: skipped (time budget)`);
    skipped.push(name);
    return undefined;
  }
  log(name);
  return run();
}

let cleanup: (() => Promise<void>) | undefined;
const watchdog = setTimeout(() => {
  log(`watchdog: the bench did not finish within ${WATCHDOG_MS / 1000} s; stopping`);
  void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(1));
}, WATCHDOG_MS);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(130)));

const db = await startBenchDatabase({ statStatements: profile });
cleanup = async () => {
  await stopAllChildren();
  await db.stop();
};
log(`PostgreSQL ${db.version} on ${db.url.replace(/:[^:@/]+@/, ':***@')}; ${quick ? 'quick' : 'full'} run`);

const serviceEnv = (role: 'all' | 'api' | 'worker') => ({
  ...benchServiceEnv(db.url, role),
  // The bench measures speed, not the stream cap either.
  SSE_MAX_STREAMS_PER_OWNER: '1000000',
  CALLBACK_ALLOW_HTTP: 'true',
  CALLBACK_ALLOWLIST: '127.0.0.1',
  CALLBACK_RETRY_SCHEDULE: '1,1,1',
  // Unset: the service's default. Set to compare how the cost grows with jobs in flight.
  ...(process.env.BENCH_WORKER_CONCURRENCY
    ? { WORKER_CONCURRENCY: process.env.BENCH_WORKER_CONCURRENCY }
    : {}),
});
const profileDir = `${process.cwd()}/bench/profiles`;
async function startServiceProcess(role: 'all' | 'api' | 'worker', cpuProfile = profile && role !== 'api') {
  if (cpuProfile) mkdirSync(profileDir, { recursive: true });
  const child = spawnBenchChild(`service(${role})`, 'bench-service.ts', serviceEnv(role), {
    nodeArgs: cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  });
  const { url } = await child.next<{ url: string | null }>('ready', 60_000);
  return { child, url: url ?? '' };
}

/** Samples the service's RSS while `sampling`, keeping the peak. */
function watchRss(child: BenchChild) {
  const state = { sampling: false, peak: 0 };
  const timer = setInterval(() => {
    if (!state.sampling) return;
    void rssMiB(child.pid).then((mib) => {
      if (mib > state.peak) state.peak = mib;
    });
  }, 250);
  timer.unref();
  return { state, stop: () => clearInterval(timer) };
}

/** Phase 2: the ROLE=api submit path alone (with the diagnostics) and pickup by a ROLE=worker process. */
async function runPhase2(ctx: BenchContext, baselineUrl: string) {
  const L = settings.loadSeconds;
  const api = await startServiceProcess('api', profile);
  const apiCtx = { ...ctx, serviceUrl: api.url, servicePid: api.child.pid };
  const submitApi = await step(
    'submit throughput (ROLE=api, no workers) beside Hono + INSERT',
    settings.runs * (2 * L + 4),
    async () => {
      if (profile) await resetStatStatements(db.sql);
      const rates = await measureSubmitBesideInsert(apiCtx, baselineUrl, { workers: false });
      if (profile) await printStatStatements(db.sql, log);
      return rates;
    },
  );
  measured.submitApi = submitApi?.ours;
  measured.insertBaselineApi = submitApi?.insert;
  // Diagnostics for what bounds submit: one owner's row lock (50 owners instead of one), and the
  // commit's fsync (synchronous_commit off, for the service and the INSERT baseline alike).
  const once = { ...apiCtx, runs: 1 };
  measured.diagManyOwners = await step('diagnostic: submit with 50 owners (ROLE=api)', L + 4, async () => {
    const keys: string[] = [];
    for (let i = 0; i < 50; i++) keys.push((await createApiKey(db.sql, `bench_${i}`)).key);
    if (profile) await resetStatStatements(db.sql);
    const rate = await measureSubmit(once, { workers: false, keys });
    if (profile) await printStatStatements(db.sql, log);
    return rate;
  });
  const asyncCommit = await step('diagnostic: synchronous_commit = off', 2 * L + 6, async () => {
    await db.sql`alter system set synchronous_commit = off`;
    await db.sql`select pg_reload_conf()`;
    try {
      return {
        submit: await measureSubmit(once, { workers: false }),
        insert: await measureInsertBaseline(once, baselineUrl),
      };
    } finally {
      await db.sql`alter system reset synchronous_commit`;
      await db.sql`select pg_reload_conf()`;
    }
  });
  measured.diagAsyncCommit = asyncCommit?.submit;
  measured.diagAsyncCommitInsert = asyncCommit?.insert;
  // Callback delivery alone: a backlog built while no dispatcher runs, drained by the worker.
  const backlog = await step('callback deliveries from a backlog (ROLE=worker)', 40, () =>
    measureCallbackBacklog(
      apiCtx,
      settings.callbackBacklog,
      async () => (await startServiceProcess('worker')).child,
    ),
  );
  measured.callbackBacklog = backlog?.perSecond;
  const worker = backlog?.worker ?? (await startServiceProcess('worker')).child;
  try {
    measured.pickupWorkerProcess = await step('pickup, ROLE=worker process', 10, () =>
      measurePickup(apiCtx, settings.pickups),
    );
    measured.e2eOneWorker = await step(
      'end to end, ROLE=api + 1 ROLE=worker',
      settings.floodSeconds + 8,
      () => measureEndToEndFlood(apiCtx, settings.floodSeconds),
    );
    const second = await startServiceProcess('worker');
    try {
      measured.e2eTwoWorkers = await step(
        'end to end, ROLE=api + 2 ROLE=worker',
        settings.floodSeconds + 8,
        () => measureEndToEndFlood(apiCtx, settings.floodSeconds),
      );
    } finally {
      await second.child.stop();
    }
  } finally {
    await worker.stop();
  }
  await api.child.stop();
}

/** Connections the service holds, by pool (application_name), right after load. */
async function countConnections(sql: typeof db.sql) {
  const rows = await sql<{ name: string; n: number }[]>`
    select application_name as name, count(*)::int as n from pg_stat_activity
    where application_name like 'async-jobs%' group by 1 order by 1`;
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
}

const measured: Measured = {};
let batchSubmit: BatchSubmitFigures | undefined;
try {
  // Phase 1: one process with API and workers (ROLE=all), as `npm start` runs it.
  // The baseline server starts alongside (its own table, no migrations needed).
  const baseline = spawnBenchChild('hono-sql', 'baselines/hono-sql.ts', { DATABASE_URL: db.url });
  const all = await startServiceProcess('all');
  const { key } = await createApiKey(db.sql, 'bench');
  const { url: baselineUrl, seedId } = await baseline.next<{ url: string; seedId: string }>('ready', 30_000);
  const ctx: BenchContext = {
    quick,
    runs: settings.runs,
    loadSeconds: settings.loadSeconds,
    databaseUrl: db.url,
    sql: db.sql,
    serviceUrl: all.url,
    servicePid: all.child.pid,
    key,
    log,
  };
  await sleep(2000);
  measured.rssIdle = await rssMiB(all.child.pid);
  const rss = watchRss(all.child);

  const L = settings.loadSeconds;
  measured.status = await step('status polls', 3 * settings.runs * (L + 2), () =>
    measureStatusPolls(ctx, baselineUrl, seedId),
  );
  rss.state.sampling = true;
  const submitAll = await step(
    'submit throughput (ROLE=all) beside Hono + INSERT',
    settings.runs * (2 * L + 7),
    async () => {
      if (profile) await resetStatStatements(db.sql);
      const result = await measureSubmitBesideInsert(ctx, baselineUrl, { workers: true });
      if (profile) await printStatStatements(db.sql, log);
      return result;
    },
  );
  measured.submitAll = submitAll?.ours;
  measured.insertBaseline = submitAll?.insert;
  rss.state.sampling = false;
  measured.pickupInProcess = await step('pickup, worker in-process', 4, () =>
    measurePickup(ctx, settings.pickups),
  );
  measured.pickupPolling = await step('pickup, pg-boss default polling', settings.polls * 1.3 + 2, () =>
    measurePollingPickup(ctx, settings.polls),
  );
  measured.sse = await step('SSE', 3, () => measureSse(ctx));
  measured.callbacks = await step('callbacks', 3, () => measureCallbacks(ctx, settings.callbacks));
  // The heavy end-to-end runs last, so on a slow machine the time budget cuts them, not the rest.
  // The naive design first: its flooded rate sets the offered rate of the latency figure.
  rss.state.sampling = true;
  const flood = await step(
    'end to end, flooded, beside the naive design',
    settings.runs * (2 * settings.floodSeconds + 18),
    async () => {
      if (profile) await resetStatStatements(db.sql);
      const result = await measureFloodBesideNaive(ctx, settings.floodSeconds);
      if (profile) await printStatStatements(db.sql, log);
      return result;
    },
  );
  measured.e2eFlood = flood?.ours;
  measured.naiveFlood = flood?.naive;
  measured.connections = await countConnections(db.sql);
  const rate = Math.max(50, Math.round((measured.naiveFlood?.jobsPerSecond ?? 2 * settings.rate) / 2));
  measured.rate = rate;
  measured.e2eRate = await step(`end to end at half the naive flooded rate`, settings.rateSeconds + 8, () =>
    measureEndToEndAtRate(ctx, rate, settings.rateSeconds),
  );
  rss.state.sampling = false;
  measured.naiveRate = await step('naive design at the same rate', settings.rateSeconds + 10, () =>
    measureNaive(ctx, { mode: 'rate', ratePerSecond: rate, durationSeconds: settings.rateSeconds }),
  );
  measured.pgBossAlone = await step('pg-boss alone, batchSize 50', 12, () =>
    pgBossAlone(ctx, settings.drainJobs),
  );
  measured.rawFlood = await step(
    'raw pg-boss, flooded (old worker settings)',
    settings.floodSeconds + 6,
    () => rawFlood(ctx, settings.floodSeconds),
  );
  rss.state.sampling = false;
  // One run per figure, after the heavier scenarios, so it never pushes them past the time budget.
  batchSubmit = await step('batch submit vs pg-boss insert()', 4 * (L + 3), async () => {
    if (profile) await resetStatStatements(db.sql);
    const figures = await measureBatchSubmit({ ...ctx, runs: 1 });
    if (profile) await printStatStatements(db.sql, log);
    return figures;
  });
  measured.rssLoad = rss.state.peak || undefined;
  rss.stop();
  await all.child.stop();
  await purgeBacklog(db.sql);

  // Phase 2: API and worker in separate processes (ROLE=api, ROLE=worker), when there is time
  // left to start them (they take seconds to boot on a busy machine).
  if (Date.now() - started + 20_000 < BUDGET_MS) await runPhase2(ctx, baselineUrl);
  else {
    log('phase 2 (ROLE=api / ROLE=worker): skipped (time budget)');
    skipped.push('phase 2 (ROLE=api / ROLE=worker)');
  }
  await baseline.stop();
  log(`measured: ${JSON.stringify(measured)}`);
} catch (error) {
  log(`a scenario failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
  clearTimeout(watchdog);
}

console.log(
  `\n${renderFigureTable([...collectFigures(measured, settings), ...batchSubmitFigures(batchSubmit)])}\n`,
);
if (skipped.length > 0) console.log(`Skipped for the time budget: ${skipped.join('; ')}.`);
log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
