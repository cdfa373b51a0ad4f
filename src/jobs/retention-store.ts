// SQL for retention: results past RESULT_TTL_SECONDS are purged (the job stays readable), jobs
// past JOB_TTL_SECONDS are deleted with their events, idempotency keys past their TTL expire.
import type { Sql } from '../db/client.ts';

const BATCH = 1000;

export async function purgeExpiredResults(sql: Sql, resultTtlSeconds: number): Promise<number> {
  const rows = await sql`
    with expired as (
      select id from jobs
      where finished_at < now() - make_interval(secs => ${resultTtlSeconds}) and result_purged_at is null
      limit ${BATCH}
    ), purged as (
      update jobs set output = null, artifact = null, result_purged_at = now()
      from expired where jobs.id = expired.id
      returning jobs.id
    ), events as (
      -- events are kept as long as the result: a stream of a job this old only sends its final status
      delete from job_events using purged where job_events.job_id = purged.id
    )
    select id from purged`;
  return rows.length;
}

export async function deleteExpiredJobs(sql: Sql, jobTtlSeconds: number): Promise<number> {
  const rows = await sql`
    with expired as (
      select id from jobs where finished_at < now() - make_interval(secs => ${jobTtlSeconds}) limit ${BATCH}
    ), events as (
      delete from job_events using expired where job_events.job_id = expired.id
    ), attempts as (
      delete from webhook_attempts using webhook_events, expired
      where webhook_attempts.event_id = webhook_events.id and webhook_events.job_id = expired.id
    ), hooks as (
      delete from webhook_events using expired where webhook_events.job_id = expired.id
    )
    delete from jobs using expired where jobs.id = expired.id returning jobs.id`;
  return rows.length;
}

export async function deleteExpiredIdempotencyKeys(sql: Sql, ttlSeconds: number): Promise<number> {
  const rows = await sql`
    delete from idempotency_keys where ctid in (
      select ctid from idempotency_keys where created_at < now() - make_interval(secs => ${ttlSeconds}) limit ${BATCH}
    ) returning key`;
  return rows.length;
}
