// The postgres.js pool the service queries through (drizzle runs on the same driver).
import postgres from 'postgres';

export type Sql = postgres.Sql;
/** A pool whose one connection runs one transaction at a time (transaction-lanes.ts). */
export type LaneSql = postgres.Sql & { readonly __lane: true };
/** Statements on one connection inside a transaction: sql.begin()'s, or a lane's. */
export type TxSql = postgres.TransactionSql | LaneSql;

export const CONNECT_TIMEOUT_SECONDS = 5;
/** The plan_cache_mode of SqlOptions.customPlans, also set per transaction (attempt-finisher.ts). */
export const CUSTOM_PLANS = 'force_custom_plan';
const MAX_RECONNECT_BACKOFF_SECONDS = 1;

export interface SqlOptions {
  max?: number;
  /**
   * false: commits on this pool do not wait for the WAL flush (synchronous_commit = off). Only for
   * writes whose loss in a database crash is harmless: a lost "running" mark or progress value is
   * rewritten when the job runs again. Never for submits or terminal statuses.
   */
  durableCommits?: boolean;
  /**
   * Plan every execution for its own parameters (plan_cache_mode = force_custom_plan). postgres.js
   * prepares every statement, and after five runs PostgreSQL may keep a generic plan made while
   * the tables were small: measured, the claim statement then seq-scanned a 10,000-job table for
   * its 64 ids (21 ms instead of under 1). For statements that find rows by a batch of ids; not
   * for the submit's inserts, whose large parameters made planning each run cost a fifth of the
   * batch-submit rate.
   */
  customPlans?: boolean;
  /** Called when one of the pool's connections closes (transaction-lanes.ts). */
  onclose?: () => void;
}

export function createSql(url: string, options: SqlOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    // A query waits this long for a connection while the server is unreachable, then fails (the
    // client gets a 503 well within the contract's 10 s) instead of queueing for postgres.js's 30 s.
    connect_timeout: CONNECT_TIMEOUT_SECONDS,
    // A query on a closed connection first waits out the reconnect backoff, which postgres.js grows
    // to 20 s over an outage: a request would hang that long before failing. Capped at 1 s, it
    // fails (503) at once while the server is down and reconnects within a second once it is back.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, MAX_RECONNECT_BACKOFF_SECONDS),
    onnotice: () => {},
    ...(options.onclose ? { onclose: options.onclose } : {}),
    types: { bigint: postgres.BigInt },
    connection: {
      application_name: 'async-jobs',
      ...(options.customPlans ? { plan_cache_mode: CUSTOM_PLANS } : {}),
      ...(options.durableCommits === false ? { synchronous_commit: 'off' } : {}),
    },
  });
}
