// Stale planner statistics against a real database: analyzed while the queue was empty, the
// planner expects next to no queued jobs however many there are; a refresh after a backlog
// appears puts the estimate near the truth, and analyzes nothing once the planner expects it.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueProbesOf, TableStatistics } from '../../src/db/table-statistics.ts';
import { queueNameOf } from '../../src/job-types/registry.ts';
import { createTestDatabase } from '../support/database.ts';

const QUEUE = queueNameOf('demo.sleep');
const BACKLOG = 3000;

let sql: postgres.Sql;
beforeAll(async () => {
  sql = postgres(await createTestDatabase(), { max: 1, onnotice: () => {} });
  await sql`insert into owners (id) values ('o')`;
});
afterAll(async () => {
  await sql?.end();
});

/** The planner's estimate of rows matching `where`, read from EXPLAIN. */
async function estimatedRows(table: string, where: string): Promise<number> {
  const [row] = await sql.unsafe<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[]>(
    `explain (format json) select 1 from ${table} where ${where}`,
  );
  return row?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? Number.NaN;
}

const queuedEntries = () => estimatedRows('pgboss.job_common', `name = '${QUEUE}' and state < 'active'`);
const queuedJobs = () => estimatedRows('jobs', `status = 'queued'`);

describe('table statistics', () => {
  it('analyzes the job and queue tables whose statistics put a backlog below what a fetch took', async () => {
    const statistics = new TableStatistics({
      sql: sql as never,
      probes: queueProbesOf(sql as never, [QUEUE]),
      onError: (error) => {
        throw error;
      },
    });
    // Statistics of the empty tables, as autovacuum or a deploy would have left them.
    await sql`analyze jobs, pgboss.job_common`;
    await sql`
      insert into jobs (id, owner_id, type, input, status)
      select 'job_' || n, 'o', 'demo.sleep', '{}', 'queued' from generate_series(1, ${BACKLOG}) n`;
    await sql`
      insert into pgboss.job (id, name, data)
      select gen_random_uuid(), ${QUEUE}, '{}'::jsonb from generate_series(1, ${BACKLOG})`;
    expect(await queuedEntries()).toBeLessThan(BACKLOG / 10);
    expect(await queuedJobs()).toBeLessThan(BACKLOG / 10);

    expect((await statistics.refresh(100)).sort()).toEqual(['jobs', 'pgboss.job_common']);
    expect(await queuedEntries()).toBeGreaterThan(BACKLOG / 2);
    expect(await queuedJobs()).toBeGreaterThan(BACKLOG / 2);
    const [analyzed] = await sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_user_tables
      where relid in ('jobs'::regclass, 'pgboss.job_common'::regclass) and last_analyze is not null`;
    expect(analyzed?.n).toBe(2);

    // The planner now expects the backlog: nothing to analyze.
    expect(await statistics.refresh(100)).toEqual([]);
  });
});
