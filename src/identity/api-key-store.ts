// API keys: random, shown once, stored as a SHA-256 hash; each belongs to exactly one owner.
import { createHash, randomBytes } from 'node:crypto';
import type { Sql, TxSql } from '../db/client.ts';

type Db = Sql | TxSql;

export const OWNER_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export async function ensureOwner(db: Db, ownerId: string): Promise<void> {
  await db`insert into owners (id) values (${ownerId}) on conflict (id) do nothing`;
}

export interface CreatedApiKey {
  id: string;
  owner: string;
  key: string;
}

/** Creates the owner if needed and a new key for it; the key itself is returned only here. */
export async function createApiKey(db: Sql, ownerId: string): Promise<CreatedApiKey> {
  if (!OWNER_ID_PATTERN.test(ownerId)) throw new Error(`owner must match ${OWNER_ID_PATTERN}`);
  const key = `sk_${randomBytes(32).toString('base64url')}`;
  const id = `key_${randomBytes(12).toString('base64url')}`;
  await db.begin(async (tx) => {
    await ensureOwner(tx, ownerId);
    await tx`insert into api_keys (id, owner_id, key_hash) values (${id}, ${ownerId}, ${hashApiKey(key)})`;
  });
  return { id, owner: ownerId, key };
}

export async function findOwnerByApiKey(db: Db, key: string): Promise<string | undefined> {
  const rows = await db<{ owner_id: string }[]>`
    select owner_id from api_keys where key_hash = ${hashApiKey(key)} and revoked_at is null`;
  return rows[0]?.owner_id;
}

/** Revokes a key; false when no such (unrevoked) key exists. */
// Key ids are `key_` + 16 base64url characters (createApiKey). Anything else names no key and,
// with a NUL, could not even be sent to Postgres (a 500): it is "not found" like a missing id.
const KEY_ID = /^key_[A-Za-z0-9_-]{16}$/;

export async function revokeApiKey(db: Db, id: string): Promise<boolean> {
  if (!KEY_ID.test(id)) return false;
  // The NOTIFY (delivered at commit) clears every process's ApiKeyCache.
  const rows = await db`
    with r as (update api_keys set revoked_at = now() where id = ${id} and revoked_at is null returning id)
    select id, pg_notify('api_keys_revoked', '') from r`;
  return rows.length > 0;
}

export async function countApiKeys(db: Db): Promise<number> {
  const rows = await db<{ n: number }[]>`select count(*)::int as n from api_keys`;
  return rows[0]?.n ?? 0;
}
