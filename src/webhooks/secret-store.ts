// All SQL on webhook_secrets. Each owner has its own secrets, created on first use; a rotation
// gives the current secret an expiry WEBHOOK_SECRET_OVERLAP_SECONDS ahead and adds a new one, so
// both sign until then. A per-owner advisory lock keeps first use and rotation from racing.
import { randomUUID } from 'node:crypto';
import type { Sql, TxSql } from '../db/client.ts';
import type { SecretCipher } from './secret-cipher.ts';
import { generateSecret } from './signing.ts';

export interface WebhookSecret {
  secret: string;
  createdAt: string;
  expiresAt: string | null;
}

interface SecretRow {
  id: string;
  secret: string;
  created_at: string;
  expires_at: string | null;
}

const contextOf = (ownerId: string, id: string) => `${ownerId}/${id}`;

async function lockOwner(tx: TxSql, ownerId: string) {
  await tx`select pg_advisory_xact_lock(hashtextextended(${`webhook-secret:${ownerId}`}, 0))`;
}

async function activeRows(tx: Sql | TxSql, ownerId: string): Promise<SecretRow[]> {
  return tx<SecretRow[]>`
    select id, secret, created_at, expires_at from webhook_secrets
    where owner_id = ${ownerId} and (expires_at is null or expires_at > now())
    order by created_at desc, id desc`;
}

async function insertSecret(tx: TxSql, ownerId: string, cipher: SecretCipher) {
  const id = randomUUID();
  await tx`insert into webhook_secrets (id, owner_id, secret)
    values (${id}, ${ownerId}, ${cipher.seal(generateSecret(), contextOf(ownerId, id))})`;
}

function toSecrets(rows: SecretRow[], ownerId: string, cipher: SecretCipher): WebhookSecret[] {
  return rows.map((r) => ({
    secret: cipher.open(r.secret, contextOf(ownerId, r.id)),
    createdAt: new Date(r.created_at).toISOString(),
    expiresAt: r.expires_at === null ? null : new Date(r.expires_at).toISOString(),
  }));
}

/** The owner's secrets that still sign, newest first; creates the first one if there is none. */
export async function ensureOwnerSecrets(
  sql: Sql,
  ownerId: string,
  cipher: SecretCipher,
): Promise<WebhookSecret[]> {
  const existing = await activeRows(sql, ownerId);
  if (existing.length > 0) return toSecrets(existing, ownerId, cipher);
  const rows = await sql.begin(async (tx) => {
    await lockOwner(tx, ownerId);
    if ((await activeRows(tx, ownerId)).length === 0) await insertSecret(tx, ownerId, cipher);
    return activeRows(tx, ownerId);
  });
  return toSecrets(rows, ownerId, cipher);
}

/** Ends the current secrets' lives `overlapSeconds` from now and adds a new one. */
export async function rotateOwnerSecret(
  sql: Sql,
  ownerId: string,
  cipher: SecretCipher,
  overlapSeconds: number,
): Promise<WebhookSecret[]> {
  const rows = await sql.begin(async (tx) => {
    await lockOwner(tx, ownerId);
    await tx`update webhook_secrets set expires_at = now() + make_interval(secs => ${overlapSeconds})
      where owner_id = ${ownerId} and (expires_at is null or expires_at > now() + make_interval(secs => ${overlapSeconds}))`;
    await insertSecret(tx, ownerId, cipher);
    return activeRows(tx, ownerId);
  });
  return toSecrets(rows, ownerId, cipher);
}
