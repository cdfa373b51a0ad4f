// All SQL on webhook_events and webhook_attempts, and the job's callback_status that mirrors the
// event's. One event per job (job_id is unique), its body fixed at creation; one attempts row per
// HTTP attempt, numbered by the event's own counter.
import type { Sql, TxSql } from '../db/client.ts';

type Db = Sql | TxSql;

export type EventStatus = 'pending' | 'delivered' | 'retrying' | 'failed';

export interface WebhookEventRow {
  id: string;
  job_id: string;
  owner_id: string;
  url: string;
  body: string;
  status: EventStatus;
  attempts: number;
}

export interface DeliveryAttemptRow {
  attempt: number;
  at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  next_attempt_at: string | null;
}

/** Inserts the job's event unless it has one; returns whether this call created it. */
export async function insertEvent(
  db: Db,
  event: { id: string; jobId: string; ownerId: string; url: string; body: string },
): Promise<boolean> {
  const rows = await db`
    insert into webhook_events (id, job_id, owner_id, url, body)
    values (${event.id}, ${event.jobId}, ${event.ownerId}, ${event.url}, ${event.body})
    on conflict (job_id) do nothing
    returning id`;
  return rows.length > 0;
}

/** Many events in one read (a delivery batch); absent ids are not in the map. */
export async function findEvents(db: Db, ids: string[]): Promise<Map<string, WebhookEventRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db<WebhookEventRow[]>`
    select id, job_id, owner_id, url, body, status, attempts from webhook_events where id = any(${ids}::text[])`;
  return new Map(rows.map((r) => [r.id, r]));
}

/** The owner's event for a job: the caller has already found the job by id and owner. */
export async function findEventOfJob(
  db: Db,
  ownerId: string,
  jobId: string,
): Promise<WebhookEventRow | undefined> {
  const rows = await db<WebhookEventRow[]>`
    select id, job_id, owner_id, url, body, status, attempts from webhook_events
    where job_id = ${jobId} and owner_id = ${ownerId}`;
  return rows[0];
}

export interface RecordedAttempt {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  nextAttemptAt: Date | null;
  /** The event's status after this attempt; undefined leaves it as it is. */
  status: EventStatus | undefined;
}

/** Appends an attempt and moves the event (and its job's callback_status) on, in one statement. */
export async function recordAttempt(db: Db, eventId: string, a: RecordedAttempt): Promise<number> {
  const rows = await db<{ attempt: number }[]>`
    with e as (
      update webhook_events set
        attempts = attempts + 1,
        status = coalesce(${a.status ?? null}, status),
        delivered_at = case when ${a.status === 'delivered'} then coalesce(delivered_at, now()) else delivered_at end
      where id = ${eventId}
      returning id, job_id, attempts, status
    ), j as (
      update jobs set callback_status = e.status from e where jobs.id = e.job_id
    )
    insert into webhook_attempts (event_id, attempt, status_code, error, duration_ms, next_attempt_at)
    select e.id, e.attempts, ${a.statusCode}, ${a.error}, ${a.durationMs}, ${a.nextAttemptAt}
    from e
    returning attempt`;
  return rows[0]?.attempt ?? 0;
}

export async function listAttempts(db: Db, eventId: string): Promise<DeliveryAttemptRow[]> {
  return db<DeliveryAttemptRow[]>`
    select attempt, at, status_code, error, duration_ms, next_attempt_at
    from webhook_attempts where event_id = ${eventId} order by attempt`;
}
