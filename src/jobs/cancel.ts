// Canceling a job on its owner's request: queued → canceled (and its terminal hooks) in one
// transaction; running → requested, the worker hears it over NOTIFY and aborts the handler.
import type { PgBoss } from 'pg-boss';
import type { Sql } from '../db/client.ts';
import { queueNameOf } from '../job-types/registry.ts';
import { canceledError } from './job-errors.ts';
import { type CancelOutcome, cancelOwnedJob } from './job-store.ts';
import { runTerminalHooks, type TerminalHook } from './terminal-hooks.ts';

export interface CancelDeps {
  sql: Sql;
  boss: PgBoss;
  terminalHooks: readonly TerminalHook[];
  jobTtlSeconds: number;
}

export async function cancelJob(deps: CancelDeps, ownerId: string, id: string): Promise<CancelOutcome> {
  const outcome = await deps.sql.begin(async (tx) => {
    const result = await cancelOwnedJob(tx, ownerId, id, canceledError(), deps.jobTtlSeconds);
    if (result.kind === 'canceled') await runTerminalHooks(deps.terminalHooks, tx, result.job);
    return result;
  });
  if (outcome.kind === 'canceled') {
    // Drop the queue entry too; a worker that already fetched it finds the job canceled and skips it.
    await deps.boss.cancel(queueNameOf(outcome.job.type), id).catch(() => {});
  }
  return outcome;
}
