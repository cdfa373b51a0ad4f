// npm run bench:retention [-- --jobs=N]: the retention sweeper on 1,000,000 finished jobs (by
// default) in a fresh embedded PostgreSQL. Measures the time per sweep and per batch, and what a
// sweep does to the hot path: latency of submit-like inserts, progress updates and owner reads
// running beside it, and the longest lock wait any session saw. Never fails on speed; not a test.
import { randomUUID } from 'node:crypto';
import { parseConfig } from '../src/config.ts';
import { createSql } from '../src/db/client.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import { ensureOwner } from '../src/identity/api-key-store.ts';
import { deleteExpiredJobs, purgeExpiredResults } from '../src/jobs/retention-store.ts';
import { startBenchDatabase } from './support/bench-database.ts';
import { percentile } from './support/stats.ts';

const jobsArg = process.argv.find((a) => a.startsWith('--jobs='));
const TOTAL_JOBS = jobsArg ? Number(jobsArg.slice('--jobs='.length)) : 1_000_000;
const CHUNK = 50_000;
const log = (line: string) => process.stderr.write(`[retention] ${line}\n`);

const db = await startBenchDatabase({ statStatements: false });
try {
  await migrateDatabase(db.url);
  const sql = createSql(db.url, { max: 6 });
  const config = parseConfig({});
  const owner = 'retention-bench';
  await ensureOwner(sql, owner);

  // Half the jobs finished 10 days ago (results past RESULT_TTL: to purge, with 3 events each),
  // half 40 days ago (past JOB_TTL: to delete; their results were purged at day 7, as the sweeper
  // would have done).
  const half = Math.floor(TOTAL_JOBS / 2);
  let t = performance.now();
  for (const [cohort, daysAgo, count] of [
    ['purge', 10, half],
    ['delete', 40, TOTAL_JOBS - half],
  ] as const) {
    for (let done = 0; done < count; done += CHUNK) {
      const n = Math.min(CHUNK, count - done);
      await sql`
        insert into jobs (id, owner_id, type, status, input, output, attempt, metadata, event_seq,
                          created_at, started_at, finished_at, result_purged_at)
        select gen_random_uuid()::text, ${owner}, 'demo.sleep', 'succeeded', '{"duration_ms":10}',
               ${cohort === 'purge' ? sql`'{"slept_ms":10,"steps":1,"output":{"report":"a few hundred bytes of result"}}'::jsonb` : sql`null`},
               1, '{}', 3, f - interval '2 seconds', f - interval '1 second', f,
               ${cohort === 'delete' ? sql`f + interval '7 days'` : sql`null`}
        from (select now() - make_interval(days => ${daysAgo}) - (g * interval '1 millisecond') as f
              from generate_series(1, ${n}) g) s`;
    }
    log(`inserted ${count} ${cohort} jobs`);
  }
  await sql`
    insert into job_events (job_id, seq, kind, payload, created_at)
    select j.id, s, case when s = 2 then 'progress' else 'status' end,
           case when s = 2 then '{"percent":100}'::jsonb else '{"status":"running"}'::jsonb end, j.finished_at
    from jobs j cross join generate_series(1, 3) s
    where j.result_purged_at is null`;
  await sql`vacuum analyze jobs`;
  await sql`vacuum analyze job_events`;
  const [sizes] = await sql<{ jobs: string; events: string; n_events: number }[]>`
    select pg_size_pretty(pg_total_relation_size('jobs')) as jobs,
           pg_size_pretty(pg_total_relation_size('job_events')) as events,
           (select count(*)::int from job_events) as n_events`;
  const setupSeconds = (performance.now() - t) / 1000;
  log(
    `set-up ${setupSeconds.toFixed(0)} s: jobs ${sizes?.jobs}, job_events ${sizes?.events} (${sizes?.n_events} rows)`,
  );

  // The hot path beside the sweep: an active job being written to, new jobs arriving, reads.
  const hot = createSql(db.url, { max: 3 });
  const [running] = await hot<{ id: string }[]>`
    insert into jobs (id, owner_id, type, status, input, attempt, started_at)
    values (${randomUUID()}, ${owner}, 'demo.sleep', 'running', '{}', 1, now()) returning id`;
  const probe = async (kind: 'submit' | 'progress' | 'read', samples: number[]) => {
    const started = performance.now();
    if (kind === 'submit') {
      await hot`insert into jobs (id, owner_id, type, input) values (${randomUUID()}, ${owner}, 'demo.sleep', '{}')`;
    } else if (kind === 'progress') {
      await hot`update jobs set progress = ${hot.json({ percent: 50 })}, event_seq = event_seq + 1 where id = ${running?.id as string}`;
    } else {
      await hot`select id, status from jobs where owner_id = ${owner} order by seq desc limit 20`;
    }
    samples.push(performance.now() - started);
  };
  const runProbes = (until: () => boolean) => {
    const samples = { submit: [] as number[], progress: [] as number[], read: [] as number[] };
    let longestLockWaitMs = 0;
    const loop = async () => {
      while (!until()) {
        await probe('submit', samples.submit);
        await probe('progress', samples.progress);
        await probe('read', samples.read);
        const [w] = await hot<{ ms: number | null }[]>`
          select max(extract(epoch from now() - state_change) * 1000)::float8 as ms
          from pg_stat_activity where wait_event_type = 'Lock'`;
        longestLockWaitMs = Math.max(longestLockWaitMs, w?.ms ?? 0);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    return loop().then(() => ({ samples, longestLockWaitMs }));
  };

  // Baseline: the probes with no sweep running.
  let baselineDone = false;
  const baselineRun = runProbes(() => baselineDone);
  await new Promise((r) => setTimeout(r, 5000));
  baselineDone = true;
  const baseline = await baselineRun;

  // The sweep, batch by batch exactly as the sweeper drains (src/worker/retention-sweeper.ts).
  let sweeping = true;
  const during = runProbes(() => !sweeping);
  const batches = { purge: [] as number[], delete: [] as number[] };
  t = performance.now();
  for (const [name, step] of [
    ['purge', () => purgeExpiredResults(sql, config.RESULT_TTL_SECONDS)],
    ['delete', () => deleteExpiredJobs(sql, config.JOB_TTL_SECONDS)],
  ] as const) {
    for (;;) {
      const b = performance.now();
      const n = await step();
      if (n === 0) break;
      batches[name].push(performance.now() - b);
    }
    log(`${name}: ${batches[name].length} batches`);
  }
  const sweepSeconds = (performance.now() - t) / 1000;
  sweeping = false;
  const sweep = await during;

  // An idle sweep: what the sweeper costs every minute once caught up. The purged half stays (its
  // jobs are 7–30 days old), which is the steady state: such jobs always exist.
  const idleSweep = async () => {
    const started = performance.now();
    await purgeExpiredResults(sql, config.RESULT_TTL_SECONDS);
    await deleteExpiredJobs(sql, config.JOB_TTL_SECONDS);
    return performance.now() - started;
  };
  // Without the schema's partial index of unpurged finished jobs (migration 0003) first, to show
  // what it saves: the purge then walks every purged job through jobs_finished_at_idx.
  await sql`drop index jobs_unpurged_finished_idx`;
  const idleSweepMs = await idleSweep();
  await sql`vacuum analyze jobs`;
  const idleAfterVacuumMs = await idleSweep();
  await sql`create index jobs_unpurged_finished_idx on jobs (finished_at) where result_purged_at is null`;
  await sql`analyze jobs`;
  const idleWithPartialIndexMs = await idleSweep();

  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const row = (label: string, a: number[], b: number[]) =>
    `| ${label} | ${ms(percentile(a, 50))} / ${ms(percentile(a, 99))} / ${ms(Math.max(...a))} | ${ms(percentile(b, 50))} / ${ms(percentile(b, 99))} / ${ms(Math.max(...b))} |`;
  const lines = [
    `Retention on ${TOTAL_JOBS.toLocaleString('en-US')} finished jobs (PostgreSQL ${db.version}; jobs ${sizes?.jobs}, job_events ${sizes?.events}):`,
    '',
    '| figure | value |',
    '| --- | --- |',
    `| whole sweep (purge ${half.toLocaleString('en-US')} results + delete ${(TOTAL_JOBS - half).toLocaleString('en-US')} jobs) | ${sweepSeconds.toFixed(1)} s |`,
    `| purge batch of 1,000 (p50 / p99 / max) | ${ms(percentile(batches.purge, 50))} / ${ms(percentile(batches.purge, 99))} / ${ms(Math.max(...batches.purge))} |`,
    `| delete batch of 1,000 (p50 / p99 / max) | ${ms(percentile(batches.delete, 50))} / ${ms(percentile(batches.delete, 99))} / ${ms(Math.max(...batches.delete))} |`,
    `| sweep with nothing to do, right after, without the partial index (500,000 purged jobs aged 7–30 days remain) | ${ms(idleSweepMs)} |`,
    `| the same after VACUUM, without the partial index | ${ms(idleAfterVacuumMs)} |`,
    `| the same with the schema's partial index on finished_at where result_purged_at is null (the steady state, every minute) | ${ms(idleWithPartialIndexMs)} |`,
    `| longest lock wait seen by any session, during the sweep | ${ms(sweep.longestLockWaitMs)} (baseline ${ms(baseline.longestLockWaitMs)}) |`,
    '',
    '| hot-path statement (p50 / p99 / max) | without a sweep | during the sweep |',
    '| --- | --- | --- |',
    row('insert a new job', baseline.samples.submit, sweep.samples.submit),
    row('update a running job', baseline.samples.progress, sweep.samples.progress),
    row("read an owner's latest 20 jobs", baseline.samples.read, sweep.samples.read),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await hot.end();
  await sql.end();
} finally {
  await db.stop();
}
