// Remembers which owner an API key belongs to, so a poll costs one query, not two. Revocation
// clears every process's cache at once (NOTIFY api_keys_revoked, sent by revokeApiKey); entries
// also expire after TTL_MS in case a notification is missed while the listener reconnects.
import type { Sql } from '../db/client.ts';
import { findOwnerByApiKey } from './api-key-store.ts';

const TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

export class ApiKeyCache {
  readonly #sql: Sql;
  readonly #entries = new Map<string, { ownerId: string; expiresAt: number }>();
  readonly #revocationListeners = new Set<() => void>();

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async start(): Promise<() => Promise<void>> {
    const { unlisten } = await this.#sql.listen(
      'api_keys_revoked',
      () => this.#revoked(),
      () => this.#revoked(),
    );
    return unlisten;
  }

  /** Called on each announced revocation (and on each LISTEN reconnect, when one may have been missed). */
  onRevocation(listener: () => void): () => void {
    this.#revocationListeners.add(listener);
    return () => this.#revocationListeners.delete(listener);
  }

  #revoked(): void {
    this.clear();
    for (const listener of this.#revocationListeners) listener();
  }

  clear(): void {
    this.#entries.clear();
  }

  async ownerOf(key: string): Promise<string | undefined> {
    const hit = this.#entries.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.ownerId;
    const ownerId = await findOwnerByApiKey(this.#sql, key);
    if (ownerId) {
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
      this.#entries.set(key, { ownerId, expiresAt: Date.now() + TTL_MS });
    }
    return ownerId;
  }
}
