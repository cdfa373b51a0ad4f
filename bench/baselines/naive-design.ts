// Baseline: the naive design, the simplest job API one could write with the same libraries.
// POST /v1/jobs = one transaction {INSERT the job row + pg-boss send()}, 202 with the id; one
// pg-boss worker with batchSize 50 marks the rows completed. No auth, validation, events, cap,
// callbacks or fencing: what our service must beat by the ratio (#12). Configured as a
// competent author would (not a strawman): the queue NOTIFYs, and the worker fetches again at once
// while batches come back full (pg-boss's defaults would poll every 2 s: 25 jobs/s at most).
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { PgBoss } from 'pg-boss';
import postgres from 'postgres';
import { sendToParent } from '../support/child-ipc.ts';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('naive-design needs DATABASE_URL');
const sql = postgres(databaseUrl, { max: 20, onnotice: () => {} });
await sql`create table if not exists naive_jobs (
  id uuid primary key, input jsonb not null, status text not null default 'queued',
  created_at timestamptz not null default now(), finished_at timestamptz)`;
const boss = new PgBoss({ connectionString: databaseUrl, max: 10, schedule: false, useListenNotify: true });
boss.on('error', (error) => process.stderr.write(`naive pg-boss: ${String(error)}\n`));
await boss.start();
await boss.createQueue('naive', { notify: true });

const app = new Hono();
app.post('/v1/jobs', async (c) => {
  const body = await c.req.json();
  const id = crypto.randomUUID();
  await sql.begin(async (tx) => {
    await tx`insert into naive_jobs (id, input) values (${id}, ${sql.json(body)})`;
    const db = {
      executeSql: async (text: string, values: unknown[] = []) => ({
        rows: [...(await tx.unsafe(text, values as never[]))],
      }),
    };
    await boss.send('naive', { id }, { id, db });
  });
  return c.json({ id, status: 'queued' }, 202);
});

const workOptions = { batchSize: 50, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5 };
await boss.work<{ id: string }>('naive', workOptions, async (jobs) => {
  const ids = jobs.map((j) => j.data.id);
  await sql`update naive_jobs set status = 'succeeded', finished_at = now() where id = any(${ids}::uuid[])`;
});

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  sendToParent({ type: 'ready', url: `http://127.0.0.1:${info.port}` });
});
process.on('SIGTERM', () => {
  server.close();
  void boss
    .stop({ graceful: false, timeout: 1000 })
    .then(() => sql.end({ timeout: 2 }))
    .finally(() => process.exit(0));
});
