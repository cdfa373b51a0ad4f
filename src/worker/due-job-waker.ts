// Wakes a queue's runner for scheduled jobs that just came due. pg-boss sends its NOTIFY only
// for an insert with a job runnable at once (every unscheduled submit has one), so without this a
// scheduled job would wait for the runner's next poll (QUEUE_POLL_MS); the contract starts a due
// job within about a second when a worker is free.
import type { Sql } from '../db/client.ts';
import { queueNameOf } from '../job-types/registry.ts';

/** How often to look for jobs that just came due: bounds their extra delay. */
export const DUE_CHECK_MS = 250;

/**
 * How far back a look reaches. A job whose run_at passed while its submit was still committing
 * is visible only at a later look; one that is still queued after this long was seen by looks
 * before (a busy runner takes it when a slot frees up, and its poll is the backstop).
 */
export const DUE_LOOKBACK_SECONDS = 5;

export interface DueJobWaker {
  stop(): void;
}

export async function startDueJobWaker(
  sql: Sql,
  /** Makes the queue's runner fetch now (it takes as many jobs as it has free slots). */
  wake: (queue: string) => void,
  onError: (error: unknown) => void,
): Promise<DueJobWaker> {
  let checking = false;
  // A short range of jobs_scheduled_idx (queued jobs with a run_at), on the database's clock as
  // pg-boss's start_after is. Waking a runner that has nothing to take costs one empty fetch.
  const check = async () => {
    const rows = await sql<{ type: string }[]>`
      select distinct type from jobs
      where status = 'queued' and run_at is not null
        and run_at > now() - make_interval(secs => ${DUE_LOOKBACK_SECONDS}) and run_at <= now()`;
    for (const row of rows) wake(queueNameOf(row.type));
  };
  // During a database outage every check fails: report the first failure, not four a second.
  let failing = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    check()
      .then(
        () => {
          failing = false;
        },
        (error) => {
          if (!failing) onError(error);
          failing = true;
        },
      )
      .finally(() => {
        checking = false;
      });
  }, DUE_CHECK_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
