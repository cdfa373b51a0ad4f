// Baseline server: the least a Hono app on the same database can do per request — one INSERT
// answering 202 (POST /items) and one primary-key SELECT (GET /items/:id), on its own table and
// its own pool of the same size as the service's.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import postgres from 'postgres';
import { sendToParent } from '../support/child-ipc.ts';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('hono-sql needs DATABASE_URL');
const sql = postgres(databaseUrl, { max: 20, onnotice: () => {} });
await sql`create table if not exists bench_items (
  id bigint generated always as identity primary key,
  payload jsonb not null,
  created_at timestamptz not null default now())`;
const [seed] = await sql<{ id: string }[]>`insert into bench_items (payload) values ('{}') returning id`;

const app = new Hono();
app.post('/items', async (c) => {
  const body = await c.req.json();
  const [row] = await sql<{ id: string; created_at: Date }[]>`
    insert into bench_items (payload) values (${sql.json(body)}) returning id, created_at`;
  return c.json(row, 202);
});
app.get('/items/:id', async (c) => {
  const [row] = await sql`select id, payload, created_at from bench_items where id = ${c.req.param('id')}`;
  return row ? c.json(row) : c.notFound();
});

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  sendToParent({ type: 'ready', url: `http://127.0.0.1:${info.port}`, seedId: String(seed?.id) });
});
process.on('SIGTERM', () => {
  server.close();
  sql.end({ timeout: 2 }).finally(() => process.exit(0));
});
