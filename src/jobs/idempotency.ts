// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): keys are scoped to the owner and
// bound to the request's JSON value, so key order and whitespace do not make a different request.
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { TxSql } from '../db/client.ts';

const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;

export function isValidIdempotencyKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/** RFC 8785 canonical JSON, hashed: equal JSON values hash equally whatever their spelling. */
export function hashRequestBody(body: unknown): string {
  return createHash('sha256')
    .update(canonicalize(body) ?? 'null')
    .digest('hex');
}

/**
 * Serialises requests with one key: a transaction-scoped advisory lock on (owner, key). A second
 * request while the first is still in its transaction does not get the lock and answers 409.
 */
export async function tryLockIdempotencyKey(tx: TxSql, ownerId: string, key: string): Promise<boolean> {
  const rows = await tx<{ ok: boolean }[]>`
    select pg_try_advisory_xact_lock(hashtextextended(${`${ownerId}\u0001${key}`}, 7461923)) as ok`;
  return rows[0]?.ok === true;
}

export async function findIdempotencyRecord(
  tx: TxSql,
  ownerId: string,
  key: string,
  ttlSeconds: number,
): Promise<{ request_hash: string; job_id: string; job_ids: string[] | null } | undefined> {
  const rows = await tx<{ request_hash: string; job_id: string; job_ids: string[] | null }[]>`
    select request_hash, job_id, job_ids from idempotency_keys
    where owner_id = ${ownerId} and key = ${key} and created_at > now() - make_interval(secs => ${ttlSeconds})`;
  return rows[0];
}

/** What a key means for this request, once its lock is held: new, a replay of earlier jobs, or refused. */
export type KeyClaim =
  | { kind: 'in-progress' }
  | { kind: 'mismatch' }
  | { kind: 'new' }
  | { kind: 'seen'; jobIds: string[] };

/** Locks the key for this transaction and reads what it was used for within its TTL. */
export async function claimIdempotencyKey(
  tx: TxSql,
  ownerId: string,
  key: string,
  requestHash: string,
  ttlSeconds: number,
): Promise<KeyClaim> {
  if (!(await tryLockIdempotencyKey(tx, ownerId, key))) return { kind: 'in-progress' };
  const record = await findIdempotencyRecord(tx, ownerId, key, ttlSeconds);
  if (!record) return { kind: 'new' };
  if (record.request_hash !== requestHash) return { kind: 'mismatch' };
  return { kind: 'seen', jobIds: record.job_ids ?? [record.job_id] };
}

export async function saveIdempotencyRecord(
  tx: TxSql,
  ownerId: string,
  key: string,
  requestHash: string,
  jobId: string,
  /** A batch's jobs in request order (jobId is the first of them). */
  jobIds: string[] | null = null,
): Promise<void> {
  // An expired record under the same key is replaced.
  await tx`
    insert into idempotency_keys (owner_id, key, request_hash, job_id, job_ids)
    values (${ownerId}, ${key}, ${requestHash}, ${jobId}, ${jobIds}::text[])
    on conflict (owner_id, key) do update set request_hash = excluded.request_hash, job_id = excluded.job_id,
      job_ids = excluded.job_ids, created_at = now()`;
}
