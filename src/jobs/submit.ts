// Submitting a job: validate against the type's schema, honour Idempotency-Key, take a slot of
// the owner's cap, insert the row and enqueue it in one transaction. A 202 follows the commit.
import { randomUUID } from 'node:crypto';
import type { PgBoss } from 'pg-boss';
import type { Sql } from '../db/client.ts';
import type { TransactionLanes } from '../db/transaction-lanes.ts';
import type { FieldError } from '../http/problem.ts';
import { toFieldErrors } from '../http/problem.ts';
import type { JobTypeRegistry } from '../job-types/registry.ts';
import { claimIdempotencyKey, hashRequestBody, saveIdempotencyRecord } from './idempotency.ts';
import { findJobsById, findOwnedJob, type JobRow, type NewJob } from './job-store.ts';
import type { SubmitBatcher } from './submit-batcher.ts';
import { takeSlotsAndBounds, writeJobs } from './write-jobs.ts';

export interface SubmitRequest {
  type: string;
  input?: unknown;
  callback_url?: string | undefined;
  metadata?: Record<string, string> | undefined;
  /** RFC 3339 with an offset, already checked to be at most 365 days ahead; null or past: due now. */
  run_at?: string | null | undefined;
  /** -100..100, already checked. */
  priority?: number | undefined;
}

/** A submit body checked against its job type: the job to write, or why it is refused. */
export type PreparedJob =
  | { kind: 'ready'; job: NewJob }
  | { kind: 'unknown-type'; type: string }
  | { kind: 'invalid-input'; errors: FieldError[] }
  | { kind: 'callback-refused'; reason: string };

export type SubmitOutcome =
  | { kind: 'created'; job: JobRow }
  | { kind: 'replayed'; job: JobRow }
  | { kind: 'unknown-type'; type: string }
  | { kind: 'invalid-input'; errors: FieldError[] }
  | { kind: 'callback-refused'; reason: string }
  | { kind: 'idempotency-mismatch' }
  | { kind: 'idempotency-in-progress' }
  | { kind: 'capped'; limit: number };

export interface SubmitDeps {
  sql: Sql;
  boss: PgBoss;
  registry: JobTypeRegistry;
  maxActiveJobsPerOwner: number;
  idempotencyTtlSeconds: number;
  jobTtlSeconds: number;
  /** Group commit for requests without an Idempotency-Key (optional: without it, one transaction each). */
  batcher?: SubmitBatcher | undefined;
  /** Lanes for batch submits: fewer round trips than sql.begin (optional: without them, sql.begin). */
  lanes?: TransactionLanes | undefined;
  /** An owner has a backlog: the submit statements' planner statistics matter (write-jobs.ts). */
  onBacklog?: (() => void) | undefined;
  /** Returns why a callback URL is refused, or undefined when it is acceptable. */
  checkCallbackUrl(url: string): Promise<string | undefined>;
}

export async function submitJob(
  deps: SubmitDeps,
  ownerId: string,
  request: SubmitRequest,
  idempotencyKey?: string,
  /** The body as the client sent it (parsed), which the Idempotency-Key is bound to. */
  requestBody: unknown = request,
): Promise<SubmitOutcome> {
  const prepared = await prepareJob(deps, ownerId, request);
  if (prepared.kind !== 'ready') return prepared;
  const newJob = prepared.job;
  const requestHash = idempotencyKey ? hashRequestBody(requestBody) : '';
  if (!idempotencyKey && deps.batcher) {
    // The common case goes through group commit; keyed requests keep the one-transaction path,
    // whose advisory lock gives the exact 409-while-in-progress semantics.
    const outcome = await deps.batcher.submit(newJob);
    return outcome.kind === 'created' ? outcome : { kind: 'capped', limit: deps.maxActiveJobsPerOwner };
  }
  try {
    return await submitInTransaction(deps, newJob, ownerId, idempotencyKey, requestHash);
  } catch (error) {
    // The COMMIT may have reached the server with only its acknowledgement lost: then the job
    // exists, and answering 500 would make a client retry into a duplicate.
    const [row] = await findJobsById(deps.sql, [newJob.id]).catch(() => []);
    if (row && row.owner_id === ownerId) return { kind: 'created', job: row };
    throw error;
  }
}

function submitInTransaction(
  deps: SubmitDeps,
  newJob: NewJob,
  ownerId: string,
  idempotencyKey: string | undefined,
  requestHash: string,
): Promise<SubmitOutcome> {
  return deps.sql.begin(async (tx): Promise<SubmitOutcome> => {
    if (idempotencyKey) {
      const claim = await claimIdempotencyKey(
        tx,
        ownerId,
        idempotencyKey,
        requestHash,
        deps.idempotencyTtlSeconds,
      );
      if (claim.kind === 'in-progress') return { kind: 'idempotency-in-progress' };
      if (claim.kind === 'mismatch') return { kind: 'idempotency-mismatch' };
      if (claim.kind === 'seen') {
        const job = await findOwnedJob(tx, ownerId, claim.jobIds[0] ?? '', deps.jobTtlSeconds);
        if (job) return { kind: 'replayed', job };
      }
    }
    const wanted = new Map([[ownerId, 1]]);
    const [slots, bounds] = await takeSlotsAndBounds(
      tx,
      wanted,
      deps.maxActiveJobsPerOwner,
      [newJob],
      deps.onBacklog,
    );
    if (!slots.granted.has(ownerId)) return { kind: 'capped', limit: deps.maxActiveJobsPerOwner };
    const [job] = await writeJobs(tx, deps.boss, [newJob], slots, bounds);
    if (!job) throw new Error('a granted job was not written');
    if (idempotencyKey) await saveIdempotencyRecord(tx, ownerId, idempotencyKey, requestHash, job.id);
    return { kind: 'created', job };
  });
}

/** Checks one submit body against its job type (and its callback URL) without writing anything. */
export async function prepareJob(
  deps: Pick<SubmitDeps, 'registry' | 'checkCallbackUrl'>,
  ownerId: string,
  request: SubmitRequest,
): Promise<PreparedJob> {
  const jobType = deps.registry.get(request.type);
  if (!jobType) return { kind: 'unknown-type', type: request.type };
  const parsed = jobType.input.safeParse(request.input ?? {});
  if (!parsed.success) return { kind: 'invalid-input', errors: toFieldErrors(parsed.error.issues, '/input') };
  if (request.callback_url) {
    const reason = await deps.checkCallbackUrl(request.callback_url);
    if (reason) return { kind: 'callback-refused', reason };
  }
  return {
    kind: 'ready',
    job: {
      id: randomUUID(),
      ownerId,
      type: jobType.type,
      input: parsed.data,
      metadata: request.metadata ?? {},
      callbackUrl: request.callback_url ?? null,
      maxAttempts: 1 + (jobType.retry?.limit ?? 0),
      // In UTC to the millisecond, as stored: what the 202 answers is what a read returns.
      runAt: request.run_at == null ? null : new Date(request.run_at).toISOString(),
      priority: request.priority ?? 0,
      fairBand: 0,
    },
  };
}
