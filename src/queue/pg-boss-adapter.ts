// Lets pg-boss write through one of our postgres.js transactions, so a job row and its queue
// entry (or a status change and its callback delivery) commit together.
import type { Db as BossDb } from 'pg-boss';
import type { TxSql } from '../db/client.ts';

export function bossDbOf(
  tx: TxSql,
  /** Called once the statement is queued on the connection (a COMMIT sent after it runs after it). */
  onSent?: () => void,
): BossDb {
  return {
    async executeSql(text: string, values?: unknown[]) {
      // Prepared (postgres.js caches it per connection): pg-boss's statement texts are few and
      // stable, and an unprepared statement with parameters costs a second round trip to learn
      // their types before it can run.
      const query = tx.unsafe(text, (values ?? []) as never[], { prepare: true });
      // postgres.js sends a query when it is first awaited: start it, then report it sent.
      const result = query.then((rows) => ({ rows: [...rows] }));
      onSent?.();
      return result;
    },
  };
}

/** The ids a pg-boss settle or touch reports, which this adapter may hand back as an array literal. */
export function settledIdsOf(settled: unknown): string[] {
  if (Array.isArray(settled)) return settled.map(String);
  if (typeof settled === 'string')
    return settled
      .replace(/^\{|\}$/g, '')
      .split(',')
      .filter(Boolean);
  return [];
}
