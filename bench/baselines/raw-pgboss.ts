// Baseline: pg-boss alone on the same database — send + work with the service's worker settings
// (end-to-end throughput and latency), and pickup on an idle queue with default polling and no
// NOTIFY (what the service would get without LISTEN/NOTIFY).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PgBoss } from 'pg-boss';
import postgres from 'postgres';
import { receiveArgs, sendResult } from '../support/child-ipc.ts';
import { percentile } from '../support/stats.ts';

export type RawPgBossArgs =
  | { mode: 'flood'; durationSeconds: number; connections: number; concurrency: number; waitMs: number }
  | {
      mode: 'rate';
      ratePerSecond: number;
      durationSeconds: number;
      concurrency: number;
      waitMs: number;
      maxInFlight: number;
    }
  | { mode: 'pickup'; samples: number; notify: boolean; maxGapMs: number }
  /** pg-boss alone: a backlog of `jobs` inserted first, then fetched and completed by one worker. */
  | { mode: 'drain'; jobs: number; batchSize: number };

export interface RawPgBossResult {
  sent: number;
  failedSends: number;
  completed: number;
  jobsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('raw-pgboss needs DATABASE_URL');
const args = await receiveArgs<RawPgBossArgs>();
const notify = args.mode !== 'pickup' || args.notify;
const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
const boss = new PgBoss({
  connectionString: databaseUrl,
  max: 10,
  useListenNotify: notify,
  schedule: false,
  application_name: 'bench-raw-pgboss',
});
boss.on('error', (error) => process.stderr.write(`raw pg-boss: ${String(error)}\n`));
await boss.start();
const queue = `bench-raw-${args.mode}-${notify ? 'notify' : 'poll'}${args.mode === 'drain' ? `-${Date.now()}` : ''}`;
await boss.createQueue(queue, { notify });
await boss.updateQueue(queue, { notify });

const sentAt = new Map<string, number>();
const doneAt = new Map<string, number>();
let onDone: () => void = () => {};

if (args.mode === 'drain') {
  const ids: string[] = [];
  for (let i = 0; i < args.jobs; i += 1000) {
    const chunk = Array.from({ length: Math.min(1000, args.jobs - i) }, () => ({
      id: randomUUID(),
      data: { sent: 0 },
    }));
    await boss.insert(queue, chunk);
    ids.push(...chunk.map((j) => j.id));
  }
  await sql`analyze pgboss.job`;
  const start = Date.now();
  for (const id of ids) sentAt.set(id, start);
  await boss.work<{ sent: number }>(
    queue,
    { batchSize: args.batchSize, burstWhenBatchFull: true },
    async (jobs) => {
      const now = Date.now();
      for (const job of jobs) doneAt.set(job.id, now);
      if (doneAt.size >= sentAt.size) onDone();
    },
  );
} else if (args.mode === 'pickup') {
  // Defaults on purpose: the base poll (2 s) is what a worker without NOTIFY waits.
  await boss.work<{ sent: number }>(queue, async ([job]) => {
    if (job) doneAt.set(job.id, Date.now());
    onDone();
  });
} else {
  // The service's worker settings (src/worker/workers.ts).
  await boss.work<{ sent: number }>(
    queue,
    { batchSize: 1, localConcurrency: args.concurrency, pollingIntervalSeconds: 2 },
    async ([job]) => {
      if (job) doneAt.set(job.id, Date.now());
      if (doneAt.size >= sentAt.size) onDone();
    },
  );
}

let failedSends = 0;
async function sendOne(): Promise<void> {
  const sent = Date.now();
  try {
    const id = await boss.send(queue, { sent });
    if (id) sentAt.set(id, sent);
  } catch {
    // A pool timeout when the database falls behind: counted, not fatal.
    failedSends++;
  }
}

const allDone = (timeoutMs: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    onDone = () => {
      if (doneAt.size >= sentAt.size) {
        clearTimeout(timer);
        resolve();
      }
    };
    onDone();
  });

const started = Date.now();
if (args.mode === 'flood') {
  const end = started + args.durationSeconds * 1000;
  await Promise.all(
    Array.from({ length: args.connections }, async () => {
      while (Date.now() < end) await sendOne();
    }),
  );
  await allDone(args.waitMs);
} else if (args.mode === 'rate') {
  const end = started + args.durationSeconds * 1000;
  const pending: Promise<void>[] = [];
  let sent = 0;
  let inFlight = 0;
  while (Date.now() < end) {
    const due = Math.floor(((Date.now() - started) / 1000) * args.ratePerSecond);
    while (sent < due) {
      sent++;
      if (inFlight >= args.maxInFlight) continue; // dropped, as the HTTP client does
      inFlight++;
      pending.push(sendOne().finally(() => inFlight--));
    }
    await sleep(5);
  }
  await Promise.all(pending);
  await allDone(args.waitMs);
} else if (args.mode === 'drain') {
  await allDone(120_000);
  // Completion is written after the handler returns: wait for pg-boss to have completed them all.
  for (;;) {
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from pgboss.job where name = ${queue} and state = 'completed'`;
    if ((row?.n ?? 0) >= sentAt.size) break;
    await sleep(20);
  }
  for (const id of sentAt.keys()) if (doneAt.has(id)) doneAt.set(id, Date.now());
} else {
  for (let i = 0; i < args.samples; i++) {
    // A random gap so each send lands at a random phase of the poll loop.
    await sleep(50 + Math.random() * args.maxGapMs);
    const before = doneAt.size;
    const done = new Promise<void>((resolve) => {
      onDone = () => doneAt.size > before && resolve();
    });
    await sendOne();
    await Promise.race([done, sleep(10_000)]);
  }
}

const latencies: number[] = [];
let first = Number.POSITIVE_INFINITY;
let last = 0;
for (const [id, sent] of sentAt) {
  const done = doneAt.get(id);
  first = Math.min(first, sent);
  if (done === undefined) continue;
  latencies.push(done - sent);
  last = Math.max(last, done);
}
await boss.stop({ graceful: false, close: true, timeout: 2000 });
await sql.end();
sendResult({
  sent: sentAt.size,
  failedSends,
  completed: latencies.length,
  jobsPerSecond: latencies.length / Math.max(0.001, (last - first) / 1000),
  p50Ms: percentile(latencies, 50),
  p99Ms: percentile(latencies, 99),
} satisfies RawPgBossResult);
