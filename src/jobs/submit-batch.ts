// Submitting many jobs at once (POST /v1/jobs/batch), all or nothing as Google's AIP-233 batch
// create: every item is checked first, then one transaction takes the owner's cap slots for the
// whole batch and writes every job through the same multi-row path as group commit (writeJobs).
import type { TxSql } from '../db/client.ts';
import type { LaneTransaction } from '../db/transaction-lanes.ts';
import type { FieldError } from '../http/problem.ts';
import { claimIdempotencyKey, hashRequestBody, saveIdempotencyRecord } from './idempotency.ts';
import { findOwnedJobs, type JobRow, type NewJob } from './job-store.ts';
import { prepareJob, type SubmitDeps, type SubmitRequest } from './submit.ts';
import { takeSlotsAndBounds, writeJobs, writeJobsAndCommit } from './write-jobs.ts';

export type BatchSubmitOutcome =
  | { kind: 'created'; jobs: JobRow[] }
  | { kind: 'replayed'; jobs: JobRow[] }
  | { kind: 'invalid-items'; errors: FieldError[] }
  | { kind: 'idempotency-mismatch' }
  | { kind: 'idempotency-in-progress' }
  | { kind: 'capped'; limit: number };

/** Checks every item; the errors of all invalid items, their pointers prefixed with `/jobs/{index}`. */
async function prepareBatch(
  deps: SubmitDeps,
  ownerId: string,
  requests: readonly SubmitRequest[],
): Promise<{ jobs: NewJob[]; errors: FieldError[] }> {
  // One check per distinct callback URL: a batch of 1,000 jobs usually names one or two.
  const verdicts = new Map<string, Promise<string | undefined>>();
  const checkCallbackUrl = (url: string) => {
    let verdict = verdicts.get(url);
    if (!verdict) {
      verdict = deps.checkCallbackUrl(url);
      verdicts.set(url, verdict);
    }
    return verdict;
  };
  const prepared = await Promise.all(
    requests.map((request) => prepareJob({ registry: deps.registry, checkCallbackUrl }, ownerId, request)),
  );
  const jobs: NewJob[] = [];
  const errors: FieldError[] = [];
  for (const [index, item] of prepared.entries()) {
    const at = `/jobs/${index}`;
    if (item.kind === 'ready') jobs.push(item.job);
    else if (item.kind === 'unknown-type')
      errors.push({ pointer: `${at}/type`, detail: `unknown job type "${item.type}"` });
    else if (item.kind === 'invalid-input')
      errors.push(...item.errors.map((e) => ({ ...e, pointer: `${at}${e.pointer}` })));
    else errors.push({ pointer: `${at}/callback_url`, detail: item.reason });
  }
  return { jobs, errors };
}

export async function submitBatch(
  deps: SubmitDeps,
  ownerId: string,
  requests: readonly SubmitRequest[],
  idempotencyKey?: string,
  /** The body as the client sent it (parsed), which the Idempotency-Key is bound to. */
  requestBody: unknown = requests,
): Promise<BatchSubmitOutcome> {
  const { jobs, errors } = await prepareBatch(deps, ownerId, requests);
  if (errors.length > 0) return { kind: 'invalid-items', errors };
  // Bound to the route too, so a key used for a single submit never replays as a batch.
  const requestHash = idempotencyKey ? hashRequestBody({ 'POST /v1/jobs/batch': requestBody }) : '';
  const write = async (tx: TxSql, lane?: LaneTransaction): Promise<BatchSubmitOutcome> => {
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
        const stored = await findOwnedJobs(tx, ownerId, claim.jobIds, deps.jobTtlSeconds);
        if (stored.length === claim.jobIds.length) return { kind: 'replayed', jobs: stored };
      }
      lane?.ensureOpen();
    }
    // The cap counts the whole batch: all of it fits, or nothing is written.
    const wanted = new Map([[ownerId, jobs.length]]);
    const [slots, bounds] = await takeSlotsAndBounds(
      tx,
      wanted,
      deps.maxActiveJobsPerOwner,
      jobs,
      deps.onBacklog,
    );
    if ((slots.granted.get(ownerId) ?? 0) < jobs.length)
      return { kind: 'capped', limit: deps.maxActiveJobsPerOwner };
    if (lane && !idempotencyKey) {
      return { kind: 'created', jobs: await writeJobsAndCommit(lane, deps.boss, jobs, slots, bounds) };
    }
    lane?.ensureOpen();
    const rows = await writeJobs(tx, deps.boss, jobs, slots, bounds);
    if (idempotencyKey) {
      const ids = rows.map((r) => r.id);
      await saveIdempotencyRecord(tx, ownerId, idempotencyKey, requestHash, ids[0] ?? '', ids);
    }
    return { kind: 'created', jobs: rows };
  };
  // On a lane, BEGIN travels with the first statements and COMMIT with the writes: measured with
  // batches of 100 on four connections, BEGIN and COMMIT as round trips of their own were a
  // quarter of the transaction's time (transaction-lanes.ts).
  if (deps.lanes) return deps.lanes.run((lane) => write(lane.sql, lane));
  return deps.sql.begin((tx) => write(tx));
}
