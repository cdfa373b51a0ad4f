// queue-waker.ts recomputes pg-boss's private NOTIFY channel name instead of using pg-boss's own
// notifier (which wakes every worker per job). If a pg-boss release renames the channel, workers
// silently fall back to the poll interval; this fails first, naming the cause.

import { PgBoss } from 'pg-boss';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bossNotifyChannel } from '../../src/queue/queue-waker.ts';
import { createTestDatabase } from '../support/database.ts';

let url: string;
let boss: PgBoss;
let sql: postgres.Sql;
beforeAll(async () => {
  url = await createTestDatabase();
  boss = new PgBoss({ connectionString: url, useListenNotify: false, schedule: false, supervise: false });
  boss.on('error', () => {});
  await boss.start();
  sql = postgres(url, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await boss?.stop({ graceful: false });
  await sql?.end();
});

it("hears pg-boss's NOTIFY for a new job on the channel queue-waker.ts listens to", async () => {
  await boss.createQueue('waker-probe', { notify: true });
  const heard = new Promise<string>((resolve) => {
    void sql.listen(bossNotifyChannel(), (payload) => resolve(payload));
  });
  // Let the LISTEN reach the server before the job is sent.
  await sql`select 1`;
  await new Promise((r) => setTimeout(r, 200));
  await boss.send('waker-probe', {});
  const payload = await Promise.race([
    heard,
    new Promise<string>((_, fail) =>
      setTimeout(() => fail(new Error(`no NOTIFY on ${bossNotifyChannel()} within 2 s`)), 2_000),
    ),
  ]);
  expect(payload).toContain('waker-probe');
});
