// What else must commit with a job's terminal status (its callback delivery, for one): hooks run
// inside the transaction that writes the status, so nothing is decided for an uncommitted state.
import type { TxSql } from '../db/client.ts';
import type { JobRow } from './job-store.ts';

export type TerminalHook = (tx: TxSql, job: JobRow) => Promise<void>;

export async function runTerminalHooks(
  hooks: readonly TerminalHook[],
  tx: TxSql,
  job: JobRow,
): Promise<void> {
  for (const hook of hooks) await hook(tx, job);
}
