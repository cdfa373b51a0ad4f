// Transaction lanes against a real database: atomic, every run settles when there are more
// transactions than lanes (sql.begin with a pipelined COMMIT of its own did not: its second
// COMMIT went to a connection handed to the next transaction, and its promise never settled), and
// a connection lost mid-transaction fails the run without anything it sent being stored.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectionLostError,
  LANE_TIMEOUT_MS,
  LaneTimeoutError,
  TransactionLanes,
} from '../../src/db/transaction-lanes.ts';
import { createTestDatabase } from '../support/database.ts';
import { waitFor } from '../support/test-service.ts';

let url: string;
let admin: postgres.Sql;
let lanes: TransactionLanes;
beforeAll(async () => {
  url = await createTestDatabase();
  admin = postgres(url, { max: 2, onnotice: () => {} });
  await admin`create table lane_rows (v text primary key)`;
  lanes = new TransactionLanes(url, 2);
});
afterAll(async () => {
  await lanes?.end();
  await admin?.end();
});

const stored = async (prefix: string) =>
  (await admin<{ v: string }[]>`select v from lane_rows where v like ${`${prefix}%`} order by v`).map(
    (r) => r.v,
  );

describe('transaction lanes', () => {
  it('roll back everything a failing transaction sent, and serve the next one', async () => {
    const failed = lanes.run(async ({ sql }) => {
      await sql`insert into lane_rows values ('fail-1')`;
      await sql`select 1 / 0`;
    });
    await expect(failed).rejects.toThrow(/division by zero/);
    await lanes.run(async ({ sql, commit }) => {
      const inserted = sql`insert into lane_rows values ('ok-1')`.execute();
      await Promise.all([inserted, commit()]);
    });
    expect(await stored('fail-')).toEqual([]);
    expect(await stored('ok-')).toEqual(['ok-1']);
  });

  it('settle every transaction when there are more of them than lanes, each with a pipelined COMMIT', async () => {
    const runs = Array.from({ length: 20 }, (_, i) =>
      lanes.run(async ({ sql, commit }) => {
        const first = sql`insert into lane_rows values (${`many-${String(i).padStart(2, '0')}-a`})`.execute();
        const second =
          sql`insert into lane_rows values (${`many-${String(i).padStart(2, '0')}-b`})`.execute();
        await Promise.all([first, second, commit()]);
        return i;
      }),
    );
    expect(await Promise.all(runs)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await stored('many-')).toHaveLength(40);
  });

  it('fail a transaction whose connection was lost, store nothing of it, and refuse statements after the loss', async () => {
    const run = lanes.run(async ({ sql, ensureOpen }) => {
      await sql`insert into lane_rows values ('lost-1')`;
      const [row] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
      await admin`select pg_terminate_backend(${row?.pid ?? 0})`;
      // The lane hears of the loss (postgres.js onclose) before the next statement would be sent.
      await waitFor(async () => {
        try {
          ensureOpen();
          return false;
        } catch {
          return true;
        }
      }, 5000);
      ensureOpen();
      await sql`insert into lane_rows values ('lost-2')`;
    });
    await expect(run).rejects.toBeInstanceOf(ConnectionLostError);
    expect(await stored('lost-')).toEqual([]);
    // The lane reconnects for the next transaction.
    await lanes.run(async ({ sql }) => {
      await sql`insert into lane_rows values ('after-1')`;
    });
    await lanes.run(async ({ sql }) => {
      await sql`insert into lane_rows values ('after-2')`;
    });
    expect(await stored('after-')).toEqual(['after-1', 'after-2']);
  });

  it('fail at once when BEGIN cannot reach the server, and send nothing after it', async () => {
    const unreachable = new URL(url);
    unreachable.port = '1'; // nothing listens there
    const dead = new TransactionLanes(unreachable.toString(), 1);
    let secondWave = false;
    try {
      const run = dead.run(async ({ sql, ensureOpen }) => {
        await sql`select 1`;
        ensureOpen();
        secondWave = true;
      });
      await expect(run).rejects.toMatchObject({
        code: expect.stringMatching(/CONNECT_TIMEOUT|ECONNREFUSED/),
      });
      expect(secondWave).toBe(false);
    } finally {
      await dead.end({ timeout: 0 });
    }
  }, 20_000);

  it(
    'give up a transaction that outlives its time, and serve the next one on a fresh connection',
    async () => {
      const slow = lanes.run(async ({ sql }) => {
        await sql`insert into lane_rows values ('slow-1')`;
        await sql`select pg_sleep(${LANE_TIMEOUT_MS / 1000 + 5})`;
      });
      await expect(slow).rejects.toBeInstanceOf(LaneTimeoutError);
      const [done] = await Promise.all([
        lanes.run(async ({ sql }) => (await sql<{ n: number }[]>`select 1 as n`)[0]?.n),
        lanes.run(async ({ sql }) => (await sql<{ n: number }[]>`select 2 as n`)[0]?.n),
      ]);
      expect(done).toBe(1);
      expect(await stored('slow-')).toEqual([]);
    },
    LANE_TIMEOUT_MS + 10_000,
  );
});
