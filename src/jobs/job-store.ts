// All SQL on jobs and their events. Every owner-facing query filters by id AND owner in the
// statement itself; every worker write is fenced by (id, attempt, status = 'running'), so a stale
// attempt's late writes change nothing. Each change appends its event in the same statement.
import type { Sql, TxSql } from '../db/client.ts';
import type { JobStatus } from './job-status.ts';

type Db = Sql | TxSql;

export interface JobRow {
  id: string;
  owner_id: string;
  type: string;
  status: JobStatus;
  progress: { percent: number; message?: string | null; data?: unknown; updated_at: string } | null;
  attempt: number;
  max_attempts: number;
  failures: number;
  metadata: Record<string, string>;
  callback_url: string | null;
  callback_status: string | null;
  error: Record<string, unknown> | null;
  cancel_requested_at: Date | string | null;
  event_seq: number;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
  result_purged_at: Date | string | null;
  run_at: Date | string | null;
  priority: number;
}

export interface JobWithInput extends JobRow {
  input: unknown;
}

export interface JobResultRow extends JobRow {
  output: unknown;
  artifact: Buffer | null;
  artifact_content_type: string | null;
}

export interface JobEventRow {
  job_id: string;
  seq: number;
  kind: 'status' | 'progress';
  payload: Record<string, unknown>;
}

const STATUS_COLUMNS = [
  'id',
  'owner_id',
  'type',
  'status',
  'progress',
  'attempt',
  'max_attempts',
  'failures',
  'metadata',
  'callback_url',
  'callback_status',
  'error',
  'cancel_requested_at',
  'event_seq',
  'created_at',
  'started_at',
  'finished_at',
  'result_purged_at',
  'run_at',
  'priority',
] as const;

export interface NewJob {
  id: string;
  ownerId: string;
  type: string;
  input: unknown;
  metadata: Record<string, string>;
  callbackUrl: string | null;
  maxAttempts: number;
  /** RFC 3339 in UTC to the millisecond (the client's run_at), or null: not started before it. */
  runAt: string | null;
  /** -100..100: orders the owner's own jobs of a type. */
  priority: number;
  /** The fair-share band (fair-placement.ts); 0 until placed. */
  fairBand: number;
}

/**
 * The per-owner cap is exact without a hot counter row: submitters of one owner take a
 * transaction-scoped advisory lock, then read the owner's count of queued and running jobs in a
 * NEW statement, whose snapshot sees every submit committed before the lock was granted. The count
 * is owners.active_jobs plus the deltas that triggers on jobs append (migration 0004), so it costs
 * the same at 10 or 100,000 jobs in flight. Workers finishing jobs only append deltas: they take
 * no lock a submitter holds, and can only lower the count.
 */
async function lockOwnersForSubmit(db: Db, ownerIds: string[]): Promise<void> {
  // Sorted, so two transactions locking several owners cannot deadlock.
  await db`
    select count(pg_advisory_xact_lock(hashtextextended('submit:' || id, 0)))
    from (select unnest(${[...ownerIds].sort()}::text[]) as id order by 1) as owners_in_order`;
}

/**
 * Deltas an owner may gather before a submit folds them into owners.active_jobs. Folding on every
 * submit rewrote the owner row and deleted its deltas each time, and under load the dead versions
 * made the read cost 0.5–0.9 ms. Folding every ~32 deltas, the read measured 0.24–0.40 ms per
 * batch in the bench (the count it replaced: 2.1–2.6 ms at 15,000 queued), and leaves little for
 * vacuum.
 */
const FOLD_DELTAS_AT = 32;

/** Each owner's active jobs, and whether its deltas are due to be folded. Hold the owners' submit locks. */
async function countActiveJobs(
  db: Db,
  ownerIds: string[],
): Promise<Array<{ id: string; active: number; deltas: number }>> {
  return db<{ id: string; active: number; deltas: number }[]>`
    select o.id, (o.active_jobs + coalesce(sum(d.delta), 0))::int as active, count(d.owner_id)::int as deltas
    from owners o left join owner_active_deltas d on d.owner_id = o.id
    where o.id = any(${ownerIds}) group by o.id`;
}

/** Folds the owners' deltas into owners.active_jobs (one statement). Hold the owners' submit locks. */
export async function foldActiveJobDeltas(db: Db, ownerIds: string[]): Promise<void> {
  if (ownerIds.length === 0) return;
  await db`
    with folded as (
      delete from owner_active_deltas where owner_id = any(${ownerIds}) returning owner_id, delta
    ), sums as (
      select owner_id, sum(delta)::int as delta from folded group by owner_id
    )
    update owners o set active_jobs = o.active_jobs + s.delta from sums s where o.id = s.owner_id`;
}

// Job ids are UUIDs. Anything else cannot name a job, and (with a NUL, say) could not even be sent
// to Postgres; it gets the same "not found" as a missing or foreign id.
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export function isWellFormedJobId(id: string): boolean {
  return JOB_ID.test(id);
}

/**
 * A status event's payload for the row a CTE named `u` just updated: the fields toJobResource()
 * reads, which maps it like a row. The whole row (less input and output) was twice as many keys,
 * built and stored for every claim and every finish.
 */
const statusPayloadOfUpdated = (db: Db) => db`jsonb_build_object(
  'id', u.id, 'type', u.type, 'status', u.status, 'progress', u.progress, 'attempt', u.attempt,
  'metadata', u.metadata, 'error', u.error, 'callback_url', u.callback_url, 'callback_status', u.callback_status,
  'created_at', u.created_at, 'started_at', u.started_at, 'finished_at', u.finished_at, 'run_at', u.run_at,
  'priority', u.priority)`;

/** The status event of the row a CTE named `u` just updated, appended in the same statement. */
const statusEventOfUpdated = (db: Db) => db`
  insert into job_events (job_id, seq, kind, payload)
  select u.id, u.event_seq, 'status', ${statusPayloadOfUpdated(db)} from u`;

const liveJob = (db: Db, jobTtlSeconds: number) =>
  db`(finished_at is null or finished_at > now() - make_interval(secs => ${jobTtlSeconds}))`;

export async function findOwnedJob(
  db: Db,
  ownerId: string,
  id: string,
  jobTtlSeconds: number,
): Promise<JobRow | undefined> {
  if (!isWellFormedJobId(id)) return undefined;
  const rows = await db<JobRow[]>`
    select ${db(STATUS_COLUMNS as unknown as string[])} from jobs
    where id = ${id} and owner_id = ${ownerId} and ${liveJob(db, jobTtlSeconds)}`;
  return rows[0];
}

/** The owner's live jobs among `ids`, in the order of `ids` (missing ones left out). */
export async function findOwnedJobs(
  db: Db,
  ownerId: string,
  ids: readonly string[],
  jobTtlSeconds: number,
): Promise<JobRow[]> {
  const wellFormed = ids.filter(isWellFormedJobId);
  if (wellFormed.length === 0) return [];
  const rows = await db<JobRow[]>`
    select ${db(STATUS_COLUMNS as unknown as string[])} from jobs
    where id = any(${wellFormed}) and owner_id = ${ownerId} and ${liveJob(db, jobTtlSeconds)}`;
  const byId = new Map(rows.map((r) => [r.id, r]));
  return wellFormed.flatMap((id) => byId.get(id) ?? []);
}

const QUALIFIED_STATUS_COLUMNS = STATUS_COLUMNS.map((column) => `j.${column}`);

/**
 * Live jobs among several (owner, id) pairs in one statement (owned-job-reader.ts). A row comes
 * back only for its own owner, so one owner's ask never returns another owner's job.
 */
export async function findOwnedJobsOfOwners(
  db: Db,
  wanted: ReadonlyArray<{ ownerId: string; id: string }>,
  jobTtlSeconds: number,
): Promise<JobRow[]> {
  if (wanted.length === 0) return [];
  return db<JobRow[]>`
    select ${db(QUALIFIED_STATUS_COLUMNS)} from jobs j
    join unnest(${wanted.map((w) => w.id)}::text[], ${wanted.map((w) => w.ownerId)}::text[]) as q(id, owner_id)
      on j.id = q.id and j.owner_id = q.owner_id
    where ${liveJob(db, jobTtlSeconds)}`;
}

export async function findOwnedJobResult(
  db: Db,
  ownerId: string,
  id: string,
  jobTtlSeconds: number,
): Promise<JobResultRow | undefined> {
  if (!isWellFormedJobId(id)) return undefined;
  const rows = await db<JobResultRow[]>`
    select ${db(STATUS_COLUMNS as unknown as string[])}, output, artifact, artifact_content_type from jobs
    where id = ${id} and owner_id = ${ownerId} and ${liveJob(db, jobTtlSeconds)}`;
  return rows[0];
}

export interface ListFilter {
  status?: JobStatus | undefined;
  type?: string | undefined;
  limit: number;
  /** Only jobs inserted before this one (by seq): the decoded cursor. */
  beforeSeq?: string | undefined;
}

/** A listed job carries its insertion order: the next page's cursor. */
export type ListedJobRow = JobRow & { seq: string };

export async function listOwnedJobs(db: Db, ownerId: string, filter: ListFilter, jobTtlSeconds: number) {
  return db<ListedJobRow[]>`
    select ${db(STATUS_COLUMNS as unknown as string[])}, seq from jobs
    where owner_id = ${ownerId}
      and ${liveJob(db, jobTtlSeconds)}
      ${filter.status ? db`and status = ${filter.status}` : db``}
      ${filter.type ? db`and type = ${filter.type}` : db``}
      ${filter.beforeSeq ? db`and seq < ${filter.beforeSeq}` : db``}
    order by seq desc
    limit ${filter.limit + 1}`;
}

/**
 * Claims a new attempt: queued (or running, when a previous attempt was lost) → running, attempt
 * + 1. The returned attempt number is the fence for every later write of this attempt.
 */
export async function startAttempt(db: Db, id: string): Promise<JobWithInput | undefined> {
  const rows = await db<JobWithInput[]>`
    with u as (
      update jobs set status = 'running', attempt = attempt + 1, progress = null,
        started_at = coalesce(started_at, now()), event_seq = event_seq + 1
      where id = ${id} and status in ('queued', 'running')
      returning *
    ), e as (
      ${statusEventOfUpdated(db)}
    )
    select ${db(STATUS_COLUMNS as unknown as string[])}, input, pg_notify('job_events', id || ' ' || event_seq) from u`;
  return rows[0];
}

/** Claims a new attempt of each job (see startAttempt) in one statement; absent ids were not claimable. */
export async function startAttempts(db: Db, ids: string[]): Promise<JobWithInput[]> {
  if (ids.length === 0) return [];
  return db<JobWithInput[]>`
    with u as (
      update jobs set status = 'running', attempt = attempt + 1, progress = null,
        started_at = coalesce(started_at, now()), event_seq = event_seq + 1
      where id = any(${ids}::text[]) and status in ('queued', 'running')
      returning *
    ), e as (
      ${statusEventOfUpdated(db)}
    )
    select ${db(STATUS_COLUMNS as unknown as string[])}, input, pg_notify('job_events', id || ' ' || event_seq) from u`;
}

/** Jobs by id, whatever their owner (for the submit path's recovery, which knows the owner). */
export async function findJobsById(db: Db, ids: string[]): Promise<JobRow[]> {
  if (ids.length === 0) return [];
  return db<
    JobRow[]
  >`select ${db(STATUS_COLUMNS as unknown as string[])} from jobs where id = any(${ids}::text[])`;
}

export interface ProgressValue {
  percent: number;
  message?: string | null | undefined;
  data?: unknown;
}

/** A progress value as stored (updated_at is added by the statement that writes it). */
function progressJson(value: ProgressValue): string {
  return JSON.stringify({
    percent: value.percent,
    message: value.message ?? null,
    ...(value.data === undefined ? {} : { data: value.data }),
  });
}

/** What every progress write adds to the stored value: the statement's time, as RFC 3339 UTC. */
const progressUpdatedAt = (db: Db) =>
  db`jsonb_build_object('updated_at', to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;

/** Writes progress of one attempt; percent never goes backwards within it. */
export async function writeProgress(
  db: Db,
  id: string,
  attempt: number,
  value: ProgressValue,
): Promise<boolean> {
  // ::text first: a parameter the server types as jsonb, postgres.js serialises as JSON again.
  const rows = await db`
    with u as (
      update jobs set
        progress = ${progressJson(value)}::text::jsonb || ${progressUpdatedAt(db)},
        event_seq = event_seq + 1
      where id = ${id} and attempt = ${attempt} and status = 'running'
        and coalesce((progress ->> 'percent')::float8, 0) <= ${value.percent}
      returning id, event_seq, progress
    ), e as (
      insert into job_events (job_id, seq, kind, payload) select id, event_seq, 'progress', progress from u
    )
    select pg_notify('job_events', id || ' ' || event_seq) from u`;
  return rows.length > 0;
}

export interface ProgressWrite {
  id: string;
  attempt: number;
  value: ProgressValue;
}

/** Writes many attempts' progress in one statement (at most one per job); returns the ids written. */
export async function writeProgressMany(db: Db, writes: ProgressWrite[]): Promise<Set<string>> {
  if (writes.length === 0) return new Set();
  const progress = writes.map((w) => progressJson(w.value));
  const rows = await db<{ id: string }[]>`
    with p as (
      select * from unnest(${writes.map((w) => w.id)}::text[], ${writes.map((w) => w.attempt)}::int[],
        ${progress}::text[], ${writes.map((w) => w.value.percent)}::float8[]) as t(id, attempt, progress, percent)
    ), u as (
      update jobs j set
        progress = p.progress::jsonb || ${progressUpdatedAt(db)},
        event_seq = j.event_seq + 1
      from p
      where j.id = p.id and j.attempt = p.attempt and j.status = 'running'
        and coalesce((j.progress ->> 'percent')::float8, 0) <= p.percent
      returning j.id, j.event_seq, j.progress
    ), e as (
      insert into job_events (job_id, seq, kind, payload) select id, event_seq, 'progress', progress from u
    )
    select id, pg_notify('job_events', id || ' ' || event_seq) from u`;
  return new Set(rows.map((r) => r.id));
}

export type AttemptOutcome =
  | { status: 'succeeded'; output: unknown; artifact?: Buffer | undefined; contentType?: string | undefined }
  | { status: 'failed' | 'canceled'; error: Record<string, unknown> };

/**
 * Writes the terminal status of one attempt, exactly once: the UPDATE only matches a running job
 * at this attempt, so a concurrent cancel, a stale attempt or a second completion changes nothing.
 * A succeeded outcome after a cancel request ends the job canceled (the contract's promise).
 */
export async function finishAttempt(
  db: Db,
  id: string,
  attempt: number,
  outcome: AttemptOutcome,
  canceledError: Record<string, unknown>,
): Promise<JobRow | undefined> {
  const isSuccess = outcome.status === 'succeeded';
  const output = isSuccess && outcome.artifact === undefined ? (outcome.output ?? null) : null;
  const rows = await db<JobRow[]>`
    with u as (
      update jobs set
        status = case when ${isSuccess} and cancel_requested_at is not null then 'canceled' else ${outcome.status} end,
        error = case when ${isSuccess} and cancel_requested_at is not null then ${db.json(canceledError as never)}::jsonb
                     else ${isSuccess ? null : db.json(outcome.error as never)}::jsonb end,
        output = case when cancel_requested_at is null then ${output === null ? null : db.json(output as never)}::jsonb end,
        artifact = case when cancel_requested_at is null then ${isSuccess ? (outcome.artifact ?? null) : null}::bytea end,
        artifact_content_type = ${isSuccess ? (outcome.contentType ?? null) : null},
        failures = failures + ${outcome.status === 'failed' ? 1 : 0},
        finished_at = now(), event_seq = event_seq + 1
      where id = ${id} and attempt = ${attempt} and status = 'running'
      returning *
    ), e as (
      ${statusEventOfUpdated(db)}
    )
    select ${db(STATUS_COLUMNS as unknown as string[])}, pg_notify('job_events', id || ' ' || event_seq) from u`;
  return rows[0];
}

export interface FinishWrite {
  id: string;
  attempt: number;
  outcome: AttemptOutcome;
  /** The attempt's last progress report, not yet written: stored in the same row version. */
  progress?: ProgressValue | undefined;
}

/**
 * finishAttempt for many attempts of DIFFERENT jobs in one statement (same fence, same rules).
 * Outcomes with an artifact take finishAttempt. Returns the rows written, by id.
 */
export async function finishAttempts(
  db: Db,
  writes: FinishWrite[],
  canceledError: Record<string, unknown>,
): Promise<Map<string, JobRow>> {
  if (writes.length === 0) return new Map();
  const outputOf = (o: AttemptOutcome) =>
    o.status === 'succeeded' && o.output !== undefined && o.output !== null ? JSON.stringify(o.output) : null;
  const errorOf = (o: AttemptOutcome) => (o.status === 'succeeded' ? null : JSON.stringify(o.error));
  // A job with a last progress report gets two events: the progress (event_seq - 1), then the
  // status, as separate writes would have made them. The reporter only ever sends a percent at
  // least as high as the one stored for the attempt, so no check is needed here.
  const rows = await db<JobRow[]>`
    with input as (
      select * from unnest(
        ${writes.map((w) => w.id)}::text[], ${writes.map((w) => w.attempt)}::int[],
        ${writes.map((w) => w.outcome.status)}::text[], ${writes.map((w) => outputOf(w.outcome))}::text[],
        ${writes.map((w) => errorOf(w.outcome))}::text[],
        ${writes.map((w) => (w.progress ? progressJson(w.progress) : null))}::text[]
      ) as t(id, attempt, status, output, error, progress)
    ), u as (
      update jobs j set
        status = case when i.status = 'succeeded' and j.cancel_requested_at is not null then 'canceled' else i.status end,
        error = case when i.status = 'succeeded' and j.cancel_requested_at is not null then ${db.json(canceledError as never)}::jsonb
                     else i.error::jsonb end,
        output = case when j.cancel_requested_at is null then i.output::jsonb end,
        artifact = null,
        artifact_content_type = null,
        failures = j.failures + case when i.status = 'failed' then 1 else 0 end,
        progress = case when i.progress is null then j.progress
                        else i.progress::jsonb || ${progressUpdatedAt(db)} end,
        finished_at = now(), event_seq = j.event_seq + case when i.progress is null then 1 else 2 end
      from input i
      where j.id = i.id and j.attempt = i.attempt and j.status = 'running'
      returning j.*, i.progress is not null as progressed
    ), p as (
      insert into job_events (job_id, seq, kind, payload)
      select id, event_seq - 1, 'progress', progress from u where progressed
    ), e as (
      ${statusEventOfUpdated(db)}
    )
    select ${db(STATUS_COLUMNS as unknown as string[])}, pg_notify('job_events', id || ' ' || event_seq) from u`;
  return new Map(rows.map((r) => [r.id, r]));
}

/** A failed attempt with retries left goes back to queued (running → queued), fenced likewise. */
export async function requeueAttempt(
  db: Db,
  id: string,
  attempt: number,
  error: Record<string, unknown>,
): Promise<JobRow | undefined> {
  const rows = await db<JobRow[]>`
    with u as (
      update jobs set status = 'queued', error = ${db.json(error as never)}, failures = failures + 1,
        event_seq = event_seq + 1
      where id = ${id} and attempt = ${attempt} and status = 'running' and cancel_requested_at is null
      returning *
    ), e as (
      ${statusEventOfUpdated(db)}
    )
    select ${db(STATUS_COLUMNS as unknown as string[])}, pg_notify('job_events', id || ' ' || event_seq) from u`;
  return rows[0];
}

export type CancelOutcome =
  | { kind: 'canceled'; job: JobRow }
  | { kind: 'requested'; job: JobRow }
  | { kind: 'terminal'; job: JobRow }
  | { kind: 'missing' };

/** queued → canceled at once; running → cancel requested (the worker is told over NOTIFY). */
export async function cancelOwnedJob(
  db: Db,
  ownerId: string,
  id: string,
  canceledError: Record<string, unknown>,
  jobTtlSeconds: number,
): Promise<CancelOutcome> {
  if (!isWellFormedJobId(id)) return { kind: 'missing' };
  const rows = await db<(JobRow & { was: string })[]>`
    with u as (
      update jobs set
        status = case when status = 'queued' then 'canceled' else status end,
        error = case when status = 'queued' then ${db.json(canceledError as never)}::jsonb else error end,
        finished_at = case when status = 'queued' then now() else finished_at end,
        cancel_requested_at = coalesce(cancel_requested_at, now()),
        event_seq = event_seq + case when status = 'queued' then 1 else 0 end
      where id = ${id} and owner_id = ${ownerId} and status in ('queued', 'running')
      returning *
    ), e as (
      insert into job_events (job_id, seq, kind, payload)
      select u.id, u.event_seq, 'status', ${statusPayloadOfUpdated(db)} from u where u.status = 'canceled'
    )
    select ${db(STATUS_COLUMNS as unknown as string[])},
      case when status = 'canceled' then pg_notify('job_events', id || ' ' || event_seq)
           else pg_notify('job_cancel', id) end
    from u`;
  const row = rows[0];
  if (row) return { kind: row.status === 'canceled' ? 'canceled' : 'requested', job: row };
  const existing = await findOwnedJob(db, ownerId, id, jobTtlSeconds);
  return existing ? { kind: 'terminal', job: existing } : { kind: 'missing' };
}

/**
 * The job's events after `afterSeq`, in order. Event 1 (the job as submitted) is derived from the
 * row rather than stored (insertJobs): the row with the fields that have moved on since put back
 * to their values at submit. Rows written before that change still have it stored, and keep it.
 * Like stored events, it is gone once the job's result (and with it its history) was purged.
 */
export async function readEventsAfter(db: Db, jobId: string, afterSeq: number): Promise<JobEventRow[]> {
  if (afterSeq >= 1) {
    return db<JobEventRow[]>`
      select job_id, seq, kind, payload from job_events where job_id = ${jobId} and seq > ${afterSeq} order by seq`;
  }
  return db<JobEventRow[]>`
    select job_id, seq, kind, payload from job_events where job_id = ${jobId} and seq > ${afterSeq}
    union all
    select j.id, 1, 'status',
      (to_jsonb(j) - 'input' - 'output' - 'artifact') || jsonb_build_object(
        'status', 'queued', 'progress', null, 'attempt', 0, 'error', null, 'event_seq', 1,
        'started_at', null, 'finished_at', null, 'cancel_requested_at', null,
        'callback_status', case when j.callback_url is null then null else 'pending' end)
    from jobs j
    where j.id = ${jobId} and j.result_purged_at is null
      and not exists (select 1 from job_events e where e.job_id = j.id and e.seq = 1)
    order by 2`;
}

/** Ids among `ids` whose cancellation was requested: the worker's fallback to NOTIFY. */
export async function findCancelRequested(db: Db, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db<{ id: string }[]>`
    select id from jobs where id = any(${ids}) and cancel_requested_at is not null`;
  return rows.map((r) => r.id);
}

/** Gives a running attempt back to the queue without counting a failure (worker shutdown, lost claim). */
export async function releaseAttempt(db: Db, id: string, attempt: number): Promise<JobRow | undefined> {
  const rows = await db<JobRow[]>`
    with u as (
      update jobs set status = 'queued', event_seq = event_seq + 1
      where id = ${id} and attempt = ${attempt} and status = 'running'
      returning *
    ), e as (
      ${statusEventOfUpdated(db)}
    )
    select ${db(STATUS_COLUMNS as unknown as string[])}, pg_notify('job_events', id || ' ' || event_seq) from u`;
  return rows[0];
}

/**
 * Jobs still queued or running here whose queue entry pg-boss has given up on (retries spent on
 * crashed workers) or lost: the rescuer fails them so they do not stay "running" forever.
 */
export async function findLostJobs(db: Db, graceSeconds: number): Promise<{ id: string }[]> {
  return db<{ id: string }[]>`
    select j.id from jobs j
    left join pgboss.job b on b.id = j.id::uuid and b.name = 'job.' || j.type
    where j.status in ('queued', 'running')
      and j.created_at < now() - make_interval(secs => ${graceSeconds})
      and (b.id is null or (b.state in ('failed', 'completed', 'cancelled')
                             and b.completed_on < now() - make_interval(secs => ${graceSeconds})))
    limit 100`;
}

export async function failLostJob(
  db: Db,
  id: string,
  error: Record<string, unknown>,
): Promise<JobRow | undefined> {
  const rows = await db<JobRow[]>`
    with u as (
      update jobs set status = 'failed', error = ${db.json(error as never)}, finished_at = now(), event_seq = event_seq + 1
      where id = ${id} and status in ('queued', 'running')
      returning *
    ), e as (
      ${statusEventOfUpdated(db)}
    )
    select ${db(STATUS_COLUMNS as unknown as string[])}, pg_notify('job_events', id || ' ' || event_seq) from u`;
  return rows[0];
}

/** The cap slots granted per owner, and each owner's active jobs before them. */
export interface CapSlots {
  granted: Map<string, number>;
  active: Map<string, number>;
  /** Owners whose active-job deltas are due to be folded (foldActiveJobDeltas) in this transaction. */
  toFold: string[];
}

/**
 * Takes up to `wanted[owner]` slots of each owner's active-job cap for this transaction (see
 * lockOwnersForSubmit). Returns the slots granted per owner (an unknown owner gets none) and the
 * count they were granted against, which fair placement reuses.
 */
export async function takeCapSlots(
  /** The submit's transaction: the locks last until it ends. */
  db: TxSql,
  wanted: Map<string, number>,
  maxActive: number,
): Promise<CapSlots> {
  const ids = [...wanted.keys()];
  // Pipelined (one write, one round trip): the server still runs the count after the lock is
  // granted, as its own statement with its own snapshot.
  const [, counts] = await Promise.all([lockOwnersForSubmit(db, ids), countActiveJobs(db, ids)]);
  const granted = new Map<string, number>();
  const active = new Map<string, number>();
  const toFold: string[] = [];
  for (const { id, active: count, deltas } of counts) {
    active.set(id, count);
    if (deltas >= FOLD_DELTAS_AT) toFold.push(id);
    const n = Math.max(0, Math.min(wanted.get(id) ?? 0, maxActive - count));
    if (n > 0) granted.set(id, n);
  }
  return { granted, active, toFold };
}

/**
 * Inserts many queued jobs in one statement (slots already taken) and returns their rows, built
 * from what was inserted and the transaction's time (created_at's default) rather than read back:
 * parsing a returned row of 20 columns per job, and escaping ten array parameters, were a fifth
 * of the service's CPU in a batch submit. The jobs travel as one JSON document (serialised
 * natively). Their first event (seq 1, the job as queued) is not stored: readEventsAfter derives
 * it from the row, which saves a third of what a submit writes.
 */
export function insertJobs(db: Db, jobs: NewJob[]): Promise<JobRow[]> {
  if (jobs.length === 0) return Promise.resolve([]);
  const records = JSON.stringify(
    jobs.map((j) => ({
      id: j.id,
      owner_id: j.ownerId,
      type: j.type,
      input: j.input,
      metadata: j.metadata,
      callback_url: j.callbackUrl,
      max_attempts: j.maxAttempts,
      run_at: j.runAt,
      priority: j.priority,
      fair_band: j.fairBand,
    })),
  );
  // execute(): on the connection now, so a COMMIT pipelined behind it (write-jobs.ts) runs after it.
  // ::text first: a parameter the server types as json, postgres.js serialises as JSON again.
  const inserted = db<{ created_at: Date; n: number }[]>`
    with ins as (
      insert into jobs (id, owner_id, type, input, metadata, callback_url, callback_status, max_attempts, event_seq,
                        run_at, priority, fair_band)
      select id, owner_id, type, input, metadata, callback_url,
             case when callback_url is null then null else 'pending' end, max_attempts, 1, run_at, priority, fair_band
      from rows from (json_to_recordset(${records}::text::json) as (id text, owner_id text, type text, input jsonb,
             metadata jsonb, callback_url text, max_attempts int, run_at timestamptz, priority int, fair_band int))
           with ordinality as t(id, owner_id, type, input, metadata, callback_url, max_attempts, run_at, priority,
             fair_band, n)
      order by n
      returning 1
    )
    select now() as created_at, count(*)::int as n from ins`.execute();
  return inserted.then(([result]) => {
    if (result?.n !== jobs.length) throw new Error(`inserted ${result?.n} of ${jobs.length} jobs`);
    return jobs.map((job) => queuedJobRow(job, result.created_at));
  });
}

/** The row insertJobs stores for a job, as a read of it would return it. */
function queuedJobRow(job: NewJob, createdAt: Date): JobRow {
  return {
    id: job.id,
    owner_id: job.ownerId,
    type: job.type,
    status: 'queued',
    progress: null,
    attempt: 0,
    max_attempts: job.maxAttempts,
    failures: 0,
    metadata: job.metadata,
    callback_url: job.callbackUrl,
    callback_status: job.callbackUrl === null ? null : 'pending',
    error: null,
    cancel_requested_at: null,
    event_seq: 1,
    created_at: createdAt,
    started_at: null,
    finished_at: null,
    result_purged_at: null,
    run_at: job.runAt,
    priority: job.priority,
  };
}
