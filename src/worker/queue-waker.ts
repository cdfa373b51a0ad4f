// Wakes ONE idle pg-boss worker per new job instead of all of them. pg-boss's own notifier
// (useListenNotify) calls worker.notify() on every worker of the queue, so with
// WORKER_CONCURRENCY=16 one NOTIFY starts 16 concurrent SKIP LOCKED fetches, 15 of them empty;
// on a small machine that herd is what made created_at → started_at ~25 ms p50 and 100+ ms p99.
// pg-boss still emits the transactional pg_notify (queue `notify: true`); we LISTEN for it on the
// process's one LISTEN connection (postgres.js shares it with the JobFeed) and pick a worker.
import { createHash } from 'node:crypto';
import type { PgBoss } from 'pg-boss';
import type { Sql } from '../db/client.ts';

/** pg-boss's default schema; its NOTIFY channel is derived from it (plans.notifyChannelSql). */
const BOSS_SCHEMA = 'pgboss';

/** 'pgboss_' + the first 24 hex characters of sha224(schema), as pg-boss 12 computes it in SQL. */
export function bossNotifyChannel(schema = BOSS_SCHEMA): string {
  return `pgboss_${createHash('sha224').update(schema).digest('hex').slice(0, 24)}`;
}

/** A worker just woken is not picked again for this long, so a burst spreads over idle workers. */
const RECENTLY_WOKEN_MS = 50;

export interface QueueWaker {
  stop(): Promise<void>;
}

export async function startQueueWaker(
  sql: Sql,
  boss: PgBoss,
  queues: ReadonlySet<string>,
): Promise<QueueWaker> {
  const wokenAt = new Map<string, number>();

  const wakeOne = (queue: string) => {
    if (!queues.has(queue)) return;
    const now = performance.now();
    const workers = boss.getWipData().filter((w) => w.name === queue);
    // count === 0: not running a job, so it is sleeping out its poll delay (or mid-fetch, where
    // notify() makes it fetch again at once: no wake-up is lost).
    const idle = workers.filter((w) => w.count === 0);
    const fresh = idle.find((w) => now - (wokenAt.get(w.id) ?? Number.NEGATIVE_INFINITY) > RECENTLY_WOKEN_MS);
    const pick = fresh ?? idle[0];
    if (pick) {
      wokenAt.set(pick.id, now);
      boss.notifyWorker(pick.id);
      return;
    }
    // All busy: flag each so it fetches again as soon as its job ends instead of sleeping.
    for (const w of workers) boss.notifyWorker(w.id);
  };

  // Gap recovery, as pg-boss does: on (re)connect, NOTIFYs sent meanwhile are lost, so every
  // worker of our queues fetches once.
  const wakeAll = () => {
    for (const w of boss.getWipData()) if (queues.has(w.name)) boss.notifyWorker(w.id);
  };

  const { unlisten } = await sql.listen(bossNotifyChannel(), wakeOne, wakeAll);
  return {
    async stop() {
      await unlisten();
    },
  };
}

/**
 * Called as a job ends: with batchSize 1 a pg-boss worker sleeps its poll interval after every
 * job unless notified, so a backlog would drain at one job per worker per interval. Flag every
 * busy worker of the queue (this one included) to fetch again as soon as its job ends; an empty
 * fetch then puts it back to sleep. Idle workers are left alone, so no herd.
 */
export function fetchAgainWhenDone(boss: PgBoss, queue: string): void {
  for (const w of boss.getWipData()) if (w.name === queue && w.count > 0) boss.notifyWorker(w.id);
}
