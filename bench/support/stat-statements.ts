// pg_stat_statements for the profile mode: reset before a scenario, then the statements that
// took the most database time during it.
import type { Sql } from '../../src/db/client.ts';

export async function resetStatStatements(sql: Sql): Promise<void> {
  await sql`select pg_stat_statements_reset()`;
  await sql`select pg_stat_reset()`;
}

export async function printStatStatements(sql: Sql, log: (line: string) => void, limit = 15): Promise<void> {
  const rows = await sql<{ calls: string; total_ms: number; mean_ms: number; query: string }[]>`
    select calls, round(total_exec_time::numeric, 1)::float8 as total_ms,
           round(mean_exec_time::numeric, 3)::float8 as mean_ms,
           regexp_replace(left(query, 160), '[[:space:]]+', ' ', 'g') as query
    from pg_stat_statements order by total_exec_time desc limit ${limit}`;
  log('pg_stat_statements, by total time:');
  for (const r of rows)
    log(
      `  ${String(r.calls).padStart(8)} calls ${String(r.total_ms).padStart(9)} ms total ${String(r.mean_ms).padStart(7)} ms mean  ${r.query}`,
    );
  // How many updates were HOT (no index entries written): every non-HOT status change writes an
  // entry to each of the table's indexes.
  const tables = await sql<{ name: string; ins: string; upd: string; hot: string }[]>`
    select schemaname || '.' || relname as name, n_tup_ins::text as ins, n_tup_upd::text as upd,
           n_tup_hot_upd::text as hot
    from pg_stat_user_tables where n_tup_upd + n_tup_ins > 0 order by n_tup_upd + n_tup_ins desc limit 6`;
  for (const t of tables) log(`  ${t.name}: ${t.ins} inserts, ${t.upd} updates, ${t.hot} of them HOT`);
}
