// npm run bench:submit-cost [-- --rounds=N]: what accepting one job costs in CPU, beside the two
// baselines issue #12 and #13 hold the submit paths to, in alternating runs on one database:
//   - POST /v1/jobs on a ROLE=api service vs Hono + one INSERT (50 connections, 8 s each);
//   - POST /v1/jobs/batch of 100 vs pg-boss insert() of 100 (4 callers, 20 owners, 8 s each).
// Per accepted job it prints the CPU of the process answering (the service, the Hono baseline or
// this process calling insert()), of every PostgreSQL process, and the machine's busy and idle
// time. "CPU-bound ratio" = the baseline's busy time per job / ours: the throughput ratio both
// would reach with the CPU saturated. The throughput ratio is lower by as much as we leave idle.
import { PgBoss } from 'pg-boss';
import { createApiKey } from '../src/identity/api-key-store.ts';
import type { HttpLoadResult } from './load-http.ts';
import { insertForSeconds, RAW_QUEUE } from './scenarios/batch-submit.ts';
import { SUBMIT_BODY } from './scenarios/submit-throughput.ts';
import { purgeBacklog, runHttpLoad } from './support/bench-context.ts';
import { startBenchDatabase } from './support/bench-database.ts';
import { spawnBenchChild, stopAllChildren } from './support/child-process.ts';
import {
  cpuTicksSince,
  isPostgres,
  machineTicks,
  processTicks,
  TICKS_PER_SECOND,
  ticksByPid,
} from './support/cpu-ticks.ts';
import { benchServiceEnv } from './support/service-env.ts';

const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length) ?? 2);
const SECONDS = 8;
const BATCH = 100;

interface Cost {
  rate: number;
  /** µs of CPU per accepted job. */
  answering: number;
  postgres: number;
  busy: number;
  idle: number;
}

/** Runs `load`, which returns how many jobs were accepted, and the CPU spent meanwhile. */
async function measure(answeringTicks: () => number, load: () => Promise<number>): Promise<Cost> {
  // Per process: the backends and autovacuum workers that end during the run are left out.
  const pg0 = ticksByPid(isPostgres);
  const own0 = answeringTicks();
  const m0 = machineTicks();
  const started = performance.now();
  const jobs = Math.max(1, await load());
  const seconds = (performance.now() - started) / 1000;
  const m1 = machineTicks();
  const perJob = (ticks: number) => (ticks / TICKS_PER_SECOND / jobs) * 1e6;
  return {
    rate: jobs / seconds,
    answering: perJob(answeringTicks() - own0),
    postgres: perJob(cpuTicksSince(pg0, isPostgres)),
    busy: perJob(m1.busy - m0.busy),
    idle: perJob(m1.idle - m0.idle),
  };
}

const accepted = (r: HttpLoadResult, perRequest = 1) => (r.statusCodes['202'] ?? 0) * perRequest;

function print(label: string, ours: Cost, base: Cost, baseName: string): void {
  const row = (name: string, c: Cost) =>
    `  ${name.padEnd(28)} ${c.rate.toFixed(0).padStart(7)} jobs/s  answering ${c.answering.toFixed(0).padStart(4)} µs  ` +
    `PostgreSQL ${c.postgres.toFixed(0).padStart(4)} µs  machine busy ${c.busy.toFixed(0).padStart(4)} µs, idle ${c.idle.toFixed(0).padStart(4)} µs`;
  console.log(`${label}\n${row('ours', ours)}\n${row(baseName, base)}`);
  console.log(
    `  throughput ratio ${(ours.rate / base.rate).toFixed(2)}×, CPU-bound ratio ${(base.busy / ours.busy).toFixed(2)}×`,
  );
}

const db = await startBenchDatabase({ statStatements: false });
try {
  const service = spawnBenchChild('service(api)', 'bench-service.ts', benchServiceEnv(db.url, 'api'));
  const baseline = spawnBenchChild('hono-sql', 'baselines/hono-sql.ts', { DATABASE_URL: db.url });
  const { url } = await service.next<{ url: string }>('ready', 60_000);
  const { url: baselineUrl } = await baseline.next<{ url: string }>('ready', 30_000);
  const { key } = await createApiKey(db.sql, 'submit-cost');
  const owners: string[] = [];
  for (let i = 0; i < 20; i++) owners.push(`Bearer ${(await createApiKey(db.sql, `submit-cost-${i}`)).key}`);
  const boss = new PgBoss({ connectionString: db.url, max: 10, schedule: false, supervise: false });
  boss.on('error', (error) => console.error(`pg-boss (baseline): ${String(error)}`));
  await boss.start();
  await boss.createQueue(RAW_QUEUE);
  const runAt = () => new Date(Date.now() + 86_400_000).toISOString();
  /** `authorization`: one value for every request, or a list to rotate through (many owners). */
  const post = (target: string, body: unknown, connections: number, authorization: string | string[] = []) =>
    runHttpLoad({
      url: target,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(typeof authorization === 'string' ? { authorization } : {}),
      },
      body: JSON.stringify(body),
      connections,
      durationSeconds: SECONDS,
      ...(Array.isArray(authorization) ? { rotateAuthorization: authorization } : {}),
    });

  for (let round = 0; round < rounds; round++) {
    console.log(`round ${round + 1} of ${rounds}`);
    const single = await measure(
      () => processTicks(service.pid),
      async () => accepted(await post(`${url}/v1/jobs`, SUBMIT_BODY, 50, `Bearer ${key}`)),
    );
    await purgeBacklog(db.sql);
    const insert = await measure(
      () => processTicks(baseline.pid),
      async () => accepted(await post(`${baselineUrl}/items`, SUBMIT_BODY, 50)),
    );
    print('submit, ROLE=api, 50 connections, one owner', single, insert, 'Hono + INSERT');

    const item = { type: 'demo.sleep', input: { duration_ms: 0, steps: 1 }, run_at: runAt() };
    const batch = await measure(
      () => processTicks(service.pid),
      async () =>
        accepted(await post(`${url}/v1/jobs/batch`, { jobs: Array(BATCH).fill(item) }, 4, owners), BATCH),
    );
    await purgeBacklog(db.sql);
    const self = () => {
      const { user, system } = process.cpuUsage();
      return ((user + system) / 1e6) * TICKS_PER_SECOND;
    };
    const raw = await measure(self, () => insertForSeconds(boss, BATCH, SECONDS));
    await db.sql`delete from pgboss.job where name = ${RAW_QUEUE}`;
    print(`batch submit of ${BATCH}, 4 connections, 20 owners`, batch, raw, `pg-boss insert() of ${BATCH}`);
  }
  await boss.stop({ graceful: false });
} finally {
  await stopAllChildren();
  await db.stop();
}
