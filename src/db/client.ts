// The postgres.js pool the service queries through (drizzle runs on the same driver).
import postgres from 'postgres';

export type Sql = postgres.Sql;
export type TxSql = postgres.TransactionSql;

export function createSql(url: string, options: { max?: number } = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // Times stay strings in the database's own RFC 3339 form; the wire mapping formats them.
    types: { bigint: postgres.BigInt },
    connection: { application_name: 'async-jobs' },
  });
}
