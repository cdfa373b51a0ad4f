// npm run bench:cost [-- --rounds=N]: what one job costs end to end, in CPU and WAL rather than in
// jobs/s. Floods a ROLE=all service for 8 s per round (as the bench's end to end does), waits for
// every job to finish, and prints per completed job: CPU seconds of the service process and of all
// PostgreSQL processes (from /proc, so Linux only), bytes of WAL and full-page images
// (pg_stat_wal), and the table's HOT share. On a shared machine whose speed moves 30–50 % between
// runs these move far less than a throughput figure does, so an A/B of one change can be read
// from a couple of rounds. Rounds run on the same tables, which grow (autovacuum first visits
// the database after a minute): compare round k of A with round k of B.
import { createApiKey } from '../src/identity/api-key-store.ts';
import type { SubmitResult } from './load-submit.ts';
import { SUBMIT_BODY } from './scenarios/submit-throughput.ts';
import { startBenchDatabase } from './support/bench-database.ts';
import { runBenchChild, spawnBenchChild, stopAllChildren } from './support/child-process.ts';
import {
  cpuTicksSince,
  isPostgres,
  processTicks,
  TICKS_PER_SECOND,
  ticksByPid,
} from './support/cpu-ticks.ts';
import { benchServiceEnv } from './support/service-env.ts';

const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length) ?? 3);

const db = await startBenchDatabase({ statStatements: false });
try {
  const service = spawnBenchChild('service(all)', 'bench-service.ts', benchServiceEnv(db.url, 'all'));
  const { url } = await service.next<{ url: string }>('ready', 60_000);
  const { key } = await createApiKey(db.sql, 'bench-cost');
  const serviceTicks = () => processTicks(service.pid);
  const wal = async () => {
    const [row] = await db.sql<{ bytes: string; fpi: string }[]>`
      select wal_bytes::text as bytes, wal_fpi::text as fpi from pg_stat_wal`;
    return { bytes: Number(row?.bytes ?? 0), fpi: Number(row?.fpi ?? 0) };
  };
  for (let round = 0; round < rounds; round++) {
    const wal0 = await wal();
    const pg0 = ticksByPid(isPostgres);
    const svc0 = serviceTicks();
    const started = performance.now();
    const { sent } = await runBenchChild<SubmitResult>(
      'load-submit',
      'load-submit.ts',
      {},
      { url, key, body: SUBMIT_BODY, mode: 'flood', durationSeconds: 8, connections: 50 },
      120_000,
    );
    for (;;) {
      const [row] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from jobs where status in ('queued', 'running')`;
      if ((row?.n ?? 0) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    const wal1 = await wal();
    const n = Math.max(1, sent.length);
    const perJobMicros = (ticks: number) => ((ticks / TICKS_PER_SECOND / n) * 1e6).toFixed(0);
    const [hot] = await db.sql<{ upd: string; hot: string }[]>`
      select n_tup_upd::text as upd, n_tup_hot_upd::text as hot from pg_stat_user_tables where relname = 'jobs'`;
    console.log(
      `round ${round}: ${sent.length} jobs in ${seconds.toFixed(1)} s (${(sent.length / seconds).toFixed(0)}/s); ` +
        `per job: PostgreSQL ${perJobMicros(cpuTicksSince(pg0, isPostgres))} µs CPU, service ${perJobMicros(serviceTicks() - svc0)} µs CPU, ` +
        `WAL ${((wal1.bytes - wal0.bytes) / n).toFixed(0)} B (${((wal1.fpi - wal0.fpi) / n).toFixed(2)} full-page images); ` +
        `jobs updates so far ${hot?.upd}, HOT ${hot?.hot}`,
    );
  }
} finally {
  await stopAllChildren();
  await db.stop();
}
