// What the planner believes, for the tests of db/table-statistics.ts: when a table was last
// analyzed by a statement (autovacuum's own analyzes are not counted), and how many rows a query
// is expected to return.
import type { Sql } from '../../src/db/client.ts';

/** ms since the epoch; 0 when never. */
export async function lastAnalyzedAt(sql: Sql, table: string): Promise<number> {
  const [row] = await sql<{ at: Date | null }[]>`
    select last_analyze as at from pg_stat_user_tables where relid = ${table}::regclass`;
  return row?.at?.getTime() ?? 0;
}

/** The planner's row estimate for `select 1 from <table> where <where>` (SQL, constant). */
export async function plannedRows(sql: Sql, table: string, where: string): Promise<number> {
  const [plan] = await sql.unsafe<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[]>(
    `explain (format json) select 1 from ${table} where ${where}`,
  );
  return plan?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? 0;
}
