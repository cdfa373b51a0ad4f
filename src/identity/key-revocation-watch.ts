// Ends what a revoked API key opened: event streams and WebSockets register their key here and
// are told when it stops being valid. Checked at once when a revocation is announced (NOTIFY
// api_keys_revoked, through ApiKeyCache) and every CHECK_INTERVAL_MS in case that was missed, so a
// revoked key's connections end within seconds in every process.
import type { Sql } from '../db/client.ts';
import { hashApiKey } from './api-key-store.ts';

export const CHECK_INTERVAL_MS = 5000;

export class KeyRevocationWatch {
  readonly #sql: Sql;
  readonly #byHash = new Map<string, Set<() => void>>();
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  #again = false;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  start(intervalMs = CHECK_INTERVAL_MS): () => void {
    this.#timer = setInterval(() => this.check(), intervalMs);
    this.#timer.unref();
    return () => clearInterval(this.#timer);
  }

  /** Calls onRevoked (once) when `key` is revoked; returns the function that stops watching. */
  watch(key: string, onRevoked: () => void): () => void {
    const hash = hashApiKey(key);
    let set = this.#byHash.get(hash);
    if (!set) {
      set = new Set();
      this.#byHash.set(hash, set);
    }
    set.add(onRevoked);
    return () => {
      const current = this.#byHash.get(hash);
      current?.delete(onRevoked);
      if (current?.size === 0) this.#byHash.delete(hash);
    };
  }

  get watchedKeys(): number {
    return this.#byHash.size;
  }

  /** Looks up every watched key in one query; a failed lookup (an outage) just waits for the next. */
  check(): Promise<void> {
    if (this.#checking) {
      this.#again = true;
      return this.#checking;
    }
    this.#checking = this.#checkOnce()
      .catch(() => {})
      .finally(() => {
        this.#checking = undefined;
        if (this.#again) {
          this.#again = false;
          void this.check();
        }
      });
    return this.#checking;
  }

  async #checkOnce(): Promise<void> {
    const hashes = [...this.#byHash.keys()];
    if (hashes.length === 0) return;
    const rows = await this.#sql<{ key_hash: string }[]>`
      select key_hash from api_keys where key_hash = any(${hashes}) and revoked_at is null`;
    const valid = new Set(rows.map((r) => r.key_hash));
    for (const hash of hashes) {
      if (valid.has(hash)) continue;
      const holders = this.#byHash.get(hash);
      this.#byHash.delete(hash);
      for (const onRevoked of holders ?? []) onRevoked();
    }
  }
}
