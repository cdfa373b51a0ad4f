// The service's pools plan each statement for its own parameters and the tables' current size:
// postgres.js prepares every statement, and a generic plan kept from when the tables were small
// seq-scanned a 10,000-job table in every claim (see client.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql, type Sql } from '../../src/db/client.ts';
import { TransactionLanes } from '../../src/db/transaction-lanes.ts';
import { createTestDatabase } from '../support/database.ts';

let url: string;
let sql: Sql;
let lanes: TransactionLanes;
beforeAll(async () => {
  url = await createTestDatabase();
  sql = createSql(url, { max: 1 });
  lanes = new TransactionLanes(url, 1);
});
afterAll(async () => {
  await lanes?.end();
  await sql?.end();
});

describe('database connections', () => {
  it('plan every execution of a prepared statement with its own parameters', async () => {
    const [pooled] = await sql<{ mode: string }[]>`select current_setting('plan_cache_mode') as mode`;
    expect(pooled?.mode).toBe('force_custom_plan');
    const laned = await lanes.run(
      async ({ sql: tx }) =>
        (await tx<{ mode: string }[]>`select current_setting('plan_cache_mode') as mode`)[0],
    );
    expect(laned?.mode).toBe('force_custom_plan');
  });
});
