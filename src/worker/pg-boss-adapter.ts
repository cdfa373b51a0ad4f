// Lets pg-boss write through one of our postgres.js transactions, so a job row and its queue
// entry (or a status change and its callback delivery) commit together.
import type { Db as BossDb } from 'pg-boss';
import type { TxSql } from '../db/client.ts';

export function bossDbOf(tx: TxSql): BossDb {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const rows = await tx.unsafe(text, (values ?? []) as never[]);
      return { rows: [...rows] };
    },
  };
}
