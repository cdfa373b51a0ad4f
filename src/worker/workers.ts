// The worker role: one pg-boss worker per job type, cancel requests routed to running attempts
// (NOTIFY first, a slow poll as the safety net), and a graceful stop.
import type { PgBoss } from 'pg-boss';
import type { Sql } from '../db/client.ts';
import type { JobTypeRegistry } from '../job-types/registry.ts';
import { queueNameOf } from '../job-types/registry.ts';
import type { JobFeed } from '../jobs/job-feed.ts';
import { findCancelRequested } from '../jobs/job-store.ts';
import type { TerminalHook } from '../jobs/terminal-hooks.ts';
import type { Logger } from '../observability/logger.ts';
import { AttemptFinisher } from './attempt-finisher.ts';
import { startDueJobWaker } from './due-job-waker.ts';
import { fetchAgainWhenDone, startQueueWaker } from './queue-waker.ts';
import { runAttempt } from './run-attempt.ts';

const CANCEL_POLL_MS = 2000;
/**
 * How often an idle worker fetches without being woken. New jobs wake a worker over NOTIFY
 * (queue-waker.ts), but pg-boss announces neither retries nor a crashed worker's job becoming
 * runnable again: this poll is what finds those, so it bounds their extra delay.
 */
const QUEUE_POLL_SECONDS = 2;

export interface WorkerDeps {
  sql: Sql;
  relaxedSql: Sql;
  boss: PgBoss;
  feed: JobFeed;
  registry: JobTypeRegistry;
  log: Logger;
  terminalHooks: readonly TerminalHook[];
  concurrency: number;
  onFinished?: (type: string, status: string) => void;
  /** Other queues whose workers this process runs and NOTIFY should wake (callback delivery). */
  alsoWake?: readonly string[];
}

export interface Workers {
  runningCount(): number;
  stop(): Promise<void>;
}

export async function startWorkers(deps: WorkerDeps): Promise<Workers> {
  const running = new Map<string, AbortController>();
  const attemptDeps = {
    sql: deps.sql,
    relaxedSql: deps.relaxedSql,
    log: deps.log,
    terminalHooks: deps.terminalHooks,
    running,
    finisher: new AttemptFinisher(deps.sql, deps.terminalHooks),
    onFinished: deps.onFinished,
  };
  const stopListening = deps.feed.onCancelRequested((jobId) => running.get(jobId)?.abort('canceled'));
  const poll = setInterval(() => {
    findCancelRequested(deps.sql, [...running.keys()])
      .then((ids) => {
        for (const id of ids) running.get(id)?.abort('canceled');
      })
      .catch((error) => deps.log.warn('cancel poll failed', { error: String(error) }));
  }, CANCEL_POLL_MS);
  poll.unref();

  for (const type of deps.registry.values()) {
    await deps.boss.work<{ job_id: string }>(
      queueNameOf(type.type),
      { batchSize: 1, localConcurrency: deps.concurrency, pollingIntervalSeconds: QUEUE_POLL_SECONDS },
      async ([job]) => {
        try {
          if (job) await runAttempt(attemptDeps, type, job);
        } finally {
          fetchAgainWhenDone(deps.boss, queueNameOf(type.type));
        }
      },
    );
  }
  const queues = new Set([
    ...[...deps.registry.values()].map((type) => queueNameOf(type.type)),
    ...(deps.alsoWake ?? []),
  ]);
  const waker = await startQueueWaker(deps.sql, deps.boss, queues);
  const dueWaker = await startDueJobWaker(deps.sql, deps.boss, queues, (error) =>
    deps.log.warn('due-job check failed', { error: String(error) }),
  );
  return {
    runningCount: () => running.size,
    async stop() {
      clearInterval(poll);
      stopListening();
      await waker.stop();
      dueWaker.stop();
      for (const type of deps.registry.values())
        await deps.boss.offWork(queueNameOf(type.type), { wait: false });
    },
  };
}
