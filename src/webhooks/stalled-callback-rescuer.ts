// The stalled-callback rescuer: an attempt job that pg-boss gave up on (its five retries spent on
// crashes or database errors) leaves its event pending or retrying with no next attempt — never
// delivered, never failed. This hands such an attempt back to pg-boss (retry: same job, same
// attempt number, so the event's retry schedule carries on where it stopped).
import type { PgBoss } from 'pg-boss';
import type { Sql } from '../db/client.ts';
import type { Logger } from '../observability/logger.ts';
import { CALLBACK_QUEUE } from './dispatcher.ts';

/** A failed attempt job this old is stalled for good (pg-boss has no retry left for it). */
const GRACE_SECONDS = 30;
const BATCH = 100;

/** The given-up attempt job of each undecided event that has no attempt waiting or running. */
async function findStalledAttemptJobs(sql: Sql, graceSeconds: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select distinct on (e.id) j.id
    from pgboss.job j
    join webhook_events e on e.id = j.data->>'event_id'
    where j.name = ${CALLBACK_QUEUE}
      and j.state = 'failed'
      and jsonb_typeof(j.data->'auto') = 'number'
      and j.completed_on < now() - make_interval(secs => ${graceSeconds})
      and e.status in ('pending', 'retrying')
      and not exists (
        select 1 from pgboss.job live
        where live.name = ${CALLBACK_QUEUE}
          and live.data->>'event_id' = e.id
          and live.state in ('created', 'retry', 'active')
      )
    order by e.id, (j.data->>'auto')::int desc
    limit ${BATCH}`;
  return rows.map((r) => r.id);
}

export async function rescueStalledCallbacks(
  sql: Sql,
  boss: PgBoss,
  log: Logger,
  graceSeconds = GRACE_SECONDS,
): Promise<number> {
  const ids = await findStalledAttemptJobs(sql, graceSeconds);
  if (ids.length === 0) return 0;
  await boss.retry(CALLBACK_QUEUE, ids);
  log.warn('stalled callback attempts resumed', { count: ids.length });
  return ids.length;
}

export function startStalledCallbackRescuer(sql: Sql, boss: PgBoss, log: Logger, intervalMs = 30_000) {
  const timer = setInterval(() => {
    rescueStalledCallbacks(sql, boss, log).catch((error) =>
      log.warn('stalled callback rescuer failed', { error: String(error) }),
    );
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
