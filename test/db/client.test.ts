// The pool for claims and progress plans each statement for its own ids and the tables' current
// size (a generic plan kept from when the tables were small seq-scanned a 10,000-job table in every
// claim); the shared pool and the submit lanes keep PostgreSQL's default, under which large
// submit batches plan once (see SqlOptions.customPlans in client.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql, type Sql } from '../../src/db/client.ts';
import { TransactionLanes } from '../../src/db/transaction-lanes.ts';
import { createTestDatabase } from '../support/database.ts';

let sql: Sql;
let custom: Sql;
let lanes: TransactionLanes;
beforeAll(async () => {
  const url = await createTestDatabase();
  sql = createSql(url, { max: 1 });
  custom = createSql(url, { max: 1, customPlans: true });
  lanes = new TransactionLanes(url, 1);
});
afterAll(async () => {
  await lanes?.end();
  await custom?.end();
  await sql?.end();
});

const planCacheMode = async (db: Sql) =>
  (await db<{ mode: string }[]>`select current_setting('plan_cache_mode') as mode`)[0]?.mode;

describe('database connections', () => {
  it('plan every execution for its own parameters only where asked to', async () => {
    expect(await planCacheMode(custom)).toBe('force_custom_plan');
    expect(await planCacheMode(sql)).toBe('auto');
    expect(await lanes.run(async ({ sql: tx }) => planCacheMode(tx))).toBe('auto');
  });
});
