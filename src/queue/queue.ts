// pg-boss set-up: one queue per job type, created or updated to match the type's policy (all of
// it in queueOptionsOf), woken over LISTEN/NOTIFY (queue-waker.ts) with polling as the safety net.
// Below jobs/ and webhooks/, which both enqueue. pg-boss emits 'error' and would crash the
// process if nobody listened, so a listener is attached before start().
import { PgBoss } from 'pg-boss';
import type { AnyJobType } from '../job-types/define-job-type.ts';
import { queueNameOf } from '../job-types/registry.ts';
import type { Logger } from '../observability/logger.ts';

/** Extra pg-boss retries beyond the type's own, so a crashed worker's job runs again. */
export const CRASH_RETRIES = 5;
/** pg-boss's minimum; a killed worker's job is failed over after ~this + the supervise interval. */
export const HEARTBEAT_SECONDS = 10;

export function createBoss(url: string, log: Logger, options: { max?: number } = {}): PgBoss {
  const boss = new PgBoss({
    connectionString: url,
    // Fetches, heartbeats and maintenance only: completions and sends run in our transactions.
    max: options.max ?? 6,
    // The queues still emit pg_notify (`notify: true` below); queue-waker.ts listens instead of
    // pg-boss's notifier, which wakes every worker of a queue per job (a fetch herd).
    useListenNotify: false,
    superviseIntervalSeconds: 5,
    monitorIntervalSeconds: 5,
    schedule: false,
    application_name: 'async-jobs-queue',
    // pg-boss's own writes (fetch, complete, fail → retry, heartbeats) need no WAL flush: if a
    // database crash loses one, the job is simply run again, and our fenced job row makes a rerun
    // of a finished job a no-op. New jobs are sent through OUR durable transactions (bossDbOf).
    options: '-c synchronous_commit=off',
    // Passed through to pg.Pool, which otherwise closes idle connections after 10 s: the first
    // job after a quiet spell then paid a new connection (TLS/SCRAM) before its fetch could run.
    ...({ min: 2 } as object),
  });
  boss.on('error', (error) => log.error('queue error', { error: String(error) }));
  boss.on('warning', (warning) => log.warn('queue warning', { warning: warning.message }));
  return boss;
}

export function queueOptionsOf(type: AnyJobType) {
  const timeoutSeconds = type.timeoutSeconds ?? 900;
  return {
    retryLimit: (type.retry?.limit ?? 0) + CRASH_RETRIES,
    retryDelay: type.retry?.delaySeconds ?? 0,
    retryBackoff: type.retry?.backoff ?? false,
    // Our own timeout fires first and fails the attempt with a clear error; this is the backstop.
    expireInSeconds: Math.min(86_400, timeoutSeconds + 60),
    heartbeatSeconds: HEARTBEAT_SECONDS,
    notify: true,
  };
}

/** createQueue leaves an existing queue's options alone, so options are applied with updateQueue. */
export async function ensureQueues(
  boss: PgBoss,
  types: Iterable<AnyJobType>,
  extra: string[] = [],
): Promise<void> {
  for (const type of types) {
    const name = queueNameOf(type.type);
    const options = queueOptionsOf(type);
    await boss.createQueue(name, options);
    await boss.updateQueue(name, options);
  }
  for (const name of extra) {
    await boss.createQueue(name, { notify: true });
    await boss.updateQueue(name, { notify: true });
  }
}
