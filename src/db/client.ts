// The postgres.js pool the service queries through (drizzle runs on the same driver).
import postgres from 'postgres';

export type Sql = postgres.Sql;
export type TxSql = postgres.TransactionSql;

export interface SqlOptions {
  max?: number;
  /**
   * false: commits on this pool do not wait for the WAL flush (synchronous_commit = off). Only for
   * writes whose loss in a database crash is harmless: a lost "running" mark or progress value is
   * rewritten when the job runs again. Never for submits or terminal statuses.
   */
  durableCommits?: boolean;
}

export function createSql(url: string, options: SqlOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    types: { bigint: postgres.BigInt },
    connection: {
      application_name: 'async-jobs',
      ...(options.durableCommits === false ? { synchronous_commit: 'off' } : {}),
    },
  });
}
