// The worker role: one queue runner per job type (batched fetch, claim, heartbeat and settle),
// woken over NOTIFY; cancel requests routed to running attempts (NOTIFY first, a slow poll as the
// safety net); and a graceful stop that gives unfinished attempts back without spending a retry.
import type { PgBoss } from 'pg-boss';
import type { Sql } from '../db/client.ts';
import { queueProbesOf, TableStatistics } from '../db/table-statistics.ts';
import type { JobTypeRegistry } from '../job-types/registry.ts';
import { queueNameOf } from '../job-types/registry.ts';
import type { JobFeed } from '../jobs/job-feed.ts';
import { findCancelRequested } from '../jobs/job-store.ts';
import type { TerminalHook } from '../jobs/terminal-hooks.ts';
import type { Logger } from '../observability/logger.ts';
import { HEARTBEAT_SECONDS } from '../queue/queue.ts';
import { createBossWorkerWaker, startQueueWaker } from '../queue/queue-waker.ts';
import { AttemptFinisher } from './attempt-finisher.ts';
import { startDueJobWaker } from './due-job-waker.ts';
import { createProgressWriter } from './progress-writer.ts';
import { QueueRunner } from './queue-runner.ts';

const CANCEL_POLL_MS = 2000;
/**
 * How often an idle runner fetches without being woken. New jobs wake it over NOTIFY, but pg-boss
 * announces neither retries nor a crashed worker's job becoming runnable again: this poll is what
 * finds those, so it bounds their extra delay.
 */
const QUEUE_POLL_MS = 2000;
/** How long a stop waits for running attempts before giving them back to the queue. */
export const STOP_GRACE_MS = 20_000;

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
  /** Other queues whose pg-boss workers this process runs and NOTIFY should wake (callback delivery). */
  alsoWake?: readonly string[];
  stopGraceMs?: number;
}

export interface Workers {
  runningCount(): number;
  stop(): Promise<void>;
}

export async function startWorkers(deps: WorkerDeps): Promise<Workers> {
  const running = new Map<string, AbortController>();
  const finisher = new AttemptFinisher(deps.sql, deps.terminalHooks, deps.boss);
  const attemptDeps = {
    sql: deps.sql,
    relaxedSql: deps.relaxedSql,
    log: deps.log,
    terminalHooks: deps.terminalHooks,
    running,
    finisher,
    progress: createProgressWriter(deps.relaxedSql),
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

  const statistics = new TableStatistics({
    sql: deps.sql,
    probes: queueProbesOf(
      deps.sql,
      [...deps.registry.values()].map((t) => queueNameOf(t.type)),
    ),
    onError: (error) => deps.log.warn('statistics refresh failed', { error: String(error) }),
  });
  const runners = new Map<string, QueueRunner>();
  for (const type of deps.registry.values()) {
    const runner = new QueueRunner({
      boss: deps.boss,
      type,
      concurrency: deps.concurrency,
      attemptDeps,
      log: deps.log,
      pollMs: QUEUE_POLL_MS,
      heartbeatSeconds: HEARTBEAT_SECONDS,
      onBacklog: () => statistics.backlogSeen(),
    });
    runners.set(runner.queue, runner);
    runner.start();
  }
  const bossQueues = new Set(deps.alsoWake ?? []);
  const wakeBossWorker = createBossWorkerWaker(deps.boss);
  const waker = await startQueueWaker(deps.sql, {
    wake(queue) {
      const runner = runners.get(queue);
      if (runner) runner.wake();
      else if (bossQueues.has(queue)) wakeBossWorker(queue);
    },
    wakeAll() {
      for (const runner of runners.values()) runner.wake();
      for (const queue of bossQueues) wakeBossWorker(queue);
    },
  });
  // Scheduled jobs coming due (pg-boss sends no NOTIFY for them) wake their runner.
  const dueWaker = await startDueJobWaker(
    deps.sql,
    (queue) => runners.get(queue)?.wake(),
    (error) => deps.log.warn('due-job check failed', { error: String(error) }),
  );
  return {
    runningCount: () => running.size,
    async stop() {
      clearInterval(poll);
      await waker.stop();
      dueWaker.stop();
      await Promise.all([...runners.values()].map((r) => r.stop(deps.stopGraceMs ?? STOP_GRACE_MS)));
      stopListening();
      await finisher.drained();
    },
  };
}
