// The service's tables (pg-boss keeps its own schema). drizzle-kit generates the migrations in
// drizzle/ from this file; runtime SQL lives in the *-store.ts files.
import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });
const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

export const owners = pgTable('owners', {
  id: text('id').primaryKey(),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  // The owner's queued + running jobs, up to the deltas not yet folded in (ownerActiveDeltas).
  // Written only by a submitter holding the owner's submit lock (job-store.ts takeCapSlots).
  activeJobs: integer('active_jobs').notNull().default(0),
});

// Changes to owners.active_jobs not yet folded in, appended by triggers on jobs (migration 0004):
// +n per insert statement, ±1 when a job crosses the queued/running boundary, -1 when an active
// job is deleted. Append-only for workers, so finishing a job never waits on a lock a submitter
// holds; the next submit of the owner folds them into owners.active_jobs under its lock.
export const ownerActiveDeltas = pgTable(
  'owner_active_deltas',
  {
    ownerId: text('owner_id').notNull(),
    delta: integer('delta').notNull(),
  },
  (t) => [index('owner_active_deltas_owner_idx').on(t.ownerId)],
);

export const apiKeys = pgTable('api_keys', {
  id: text('id').primaryKey(),
  ownerId: text('owner_id')
    .notNull()
    .references(() => owners.id),
  // SHA-256 of the key: keys carry 256 bits of entropy, so a fast hash is enough (no brute force).
  keyHash: text('key_hash').notNull().unique(),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  revokedAt: timestamptz('revoked_at'),
});

export const jobs = pgTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    // Insertion order for cursor pagination: stable under concurrent inserts, unlike timestamps.
    // Unique by construction (an identity column nobody may set); only read per owner, through
    // jobs_owner_seq_idx. Its own unique index went in migration 0006: it cost an entry on every
    // insert and every status change (see the migration).
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity().notNull(),
    // An owner that exists, checked once per owner per insert statement by the jobs_active_inserted
    // trigger rather than by a foreign key, whose check locked the owner's row once per job
    // (migration 0007).
    ownerId: text('owner_id').notNull(),
    type: text('type').notNull(),
    status: text('status').notNull().default('queued'),
    input: jsonb('input').notNull(),
    output: jsonb('output'),
    artifact: bytea('artifact'),
    artifactContentType: text('artifact_content_type'),
    progress: jsonb('progress'),
    attempt: integer('attempt').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(1),
    // Attempts that ended in a handler error; crashes of the worker do not count against
    // max_attempts (the job is simply run again).
    failures: integer('failures').notNull().default(0),
    metadata: jsonb('metadata').notNull().default({}),
    callbackUrl: text('callback_url'),
    callbackStatus: text('callback_status'),
    error: jsonb('error'),
    cancelRequestedAt: timestamptz('cancel_requested_at'),
    // Per-job event counter: the id of the last event appended to job_events.
    eventSeq: integer('event_seq').notNull().default(0),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    startedAt: timestamptz('started_at'),
    finishedAt: timestamptz('finished_at'),
    resultPurgedAt: timestamptz('result_purged_at'),
    // Scheduling (CONTRACT "Scheduling"): run_at as the client gave it (null when omitted), the
    // client's priority, and the fair-share band the job was placed in (jobs/fair-placement.ts).
    runAt: timestamptz('run_at'),
    priority: integer('priority').notNull().default(0),
    fairBand: integer('fair_band').notNull().default(0),
  },
  (t) => [
    index('jobs_owner_seq_idx').on(t.ownerId, t.seq.desc()),
    // Retention reads these two; both leave out unfinished jobs (migration 0005), so a submit and
    // a claim, whose rows have no finished_at yet, do not write an entry to either.
    index('jobs_finished_at_idx').on(t.finishedAt).where(sql`${t.finishedAt} is not null`),
    // The retention sweep's purge looks only at finished jobs whose result is still kept; without
    // this it walked every job aged RESULT_TTL..JOB_TTL each minute (0.2–3 s; ~4 ms with it).
    index('jobs_unpurged_finished_idx')
      .on(t.finishedAt)
      .where(sql`${t.resultPurgedAt} is null and ${t.finishedAt} is not null`),
    // What owners.active_jobs counts; kept to recount an owner (and for ad-hoc queries).
    index('jobs_owner_active_idx').on(t.ownerId).where(sql`${t.status} in ('queued', 'running')`),
    // Fair placement reads the (priority, band) bounds of an owner's queued jobs of a type with a
    // few probes of this index (fair-placement.ts readQueuedBounds).
    index('jobs_owner_queued_idx')
      .on(t.ownerId, t.type, t.priority, t.fairBand)
      .where(sql`${t.status} = 'queued'`),
    // The due-job waker looks for queued jobs whose run_at has just passed.
    index('jobs_scheduled_idx').on(t.runAt).where(sql`${t.status} = 'queued' and ${t.runAt} is not null`),
    check('jobs_priority_check', sql`${t.priority} between -100 and 100`),
    check('jobs_status_check', sql`${t.status} in ('queued','running','succeeded','failed','canceled')`),
  ],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    ownerId: text('owner_id')
      .notNull()
      .references(() => owners.id),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    jobId: text('job_id').notNull(),
    // A batch submit's jobs in request order (job_id is then the first of them).
    jobIds: text('job_ids').array(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.key] }), index('idempotency_created_at_idx').on(t.createdAt)],
);

export const jobEvents = pgTable(
  'job_events',
  {
    jobId: text('job_id').notNull(),
    seq: integer('seq').notNull(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.seq] })],
);

export const webhookSecrets = pgTable(
  'webhook_secrets',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => owners.id),
    // "whsec_..." in the clear, or "enc:v1:..." when WEBHOOK_SECRET_ENCRYPTION_KEY is set.
    secret: text('secret').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    expiresAt: timestamptz('expires_at'),
  },
  (t) => [index('webhook_secrets_owner_idx').on(t.ownerId, t.createdAt.desc())],
);

// One row per callback event: the exact bytes every attempt and redelivery sends.
export const webhookEvents = pgTable('webhook_events', {
  id: text('id').primaryKey(),
  jobId: text('job_id').notNull().unique(),
  ownerId: text('owner_id').notNull(),
  url: text('url').notNull(),
  body: text('body').notNull(),
  status: text('status').notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  deliveredAt: timestamptz('delivered_at'),
});

export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    eventId: text('event_id').notNull(),
    attempt: integer('attempt').notNull(),
    at: timestamptz('at').notNull().defaultNow(),
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
    nextAttemptAt: timestamptz('next_attempt_at'),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.attempt] })],
);
