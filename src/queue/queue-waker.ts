// Turns pg-boss's NOTIFY for a new job into ONE fetch instead of a herd. pg-boss's own notifier
// (useListenNotify) calls worker.notify() on every worker of the queue, so with 16 workers one
// NOTIFY started 16 concurrent SKIP LOCKED fetches, 15 of them empty. pg-boss still emits the
// transactional pg_notify (queue `notify: true`); we LISTEN for it on the process's one LISTEN
// connection (postgres.js shares it with the JobFeed) and wake that queue's runner (or one idle
// pg-boss worker, for the queues pg-boss runs).
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

/** Who to tell when a queue's NOTIFY arrives, and on (re)connect when NOTIFYs may have been lost. */
export interface WakeTargets {
  wake(queue: string): void;
  wakeAll(): void;
}

export async function startQueueWaker(sql: Sql, targets: WakeTargets): Promise<QueueWaker> {
  // Gap recovery, as pg-boss does: on (re)connect, NOTIFYs sent meanwhile are lost, so every
  // target fetches once.
  const { unlisten } = await sql.listen(bossNotifyChannel(), (queue) => targets.wake(queue), targets.wakeAll);
  return {
    async stop() {
      await unlisten();
    },
  };
}

/**
 * Wakes one idle pg-boss worker of `queue` (the callback queue's, which pg-boss runs): a worker
 * that is not running a job sleeps out its poll delay, and notify() makes it fetch at once.
 */
export function createBossWorkerWaker(boss: PgBoss): (queue: string) => void {
  const wokenAt = new Map<string, number>();
  return (queue) => {
    const now = performance.now();
    const workers = boss.getWipData().filter((w) => w.name === queue);
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
