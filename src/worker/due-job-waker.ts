// Wakes a queue's runner for jobs that became runnable since the last look: scheduled jobs whose
// run_at just passed, and jobs just inserted. pg-boss sends its NOTIFY only when a job is runnable
// at once, so without this a scheduled job would wait for the runner's next poll (QUEUE_POLL_MS);
// the contract starts a due job within about a second when a worker is free.
import type { Sql } from '../db/client.ts';
import { queueNameOf } from '../job-types/registry.ts';

/** How often to look for jobs that just came due: bounds their extra delay. */
export const DUE_CHECK_MS = 250;

export interface DueJobWaker {
  stop(): void;
}

/** The database's clock (pg-boss's) and the newest job by insertion order (jobs.seq). */
async function readHead(sql: Sql): Promise<{ now: string; seq: string }> {
  const [head] = await sql<{ now: string; seq: string }[]>`
    select now()::text as now, coalesce(max(seq), 0)::text as seq from jobs`;
  if (!head) throw new Error('no row from an aggregate');
  return head;
}

export async function startDueJobWaker(
  sql: Sql,
  /** Makes the queue's runner fetch now (it takes as many jobs as it has free slots). */
  wake: (queue: string) => void,
  onError: (error: unknown) => void,
): Promise<DueJobWaker> {
  // Read before the workers take submissions, so the first jobs are not taken for old ones.
  let since = await readHead(sql);
  let checking = false;
  const check = async () => {
    const head = await readHead(sql);
    const last = since;
    since = head;
    const rows = await sql<{ type: string }[]>`
      select distinct type from (
        select type from jobs
        where seq > ${last.seq} and seq <= ${head.seq} and status = 'queued'
          and (run_at is null or run_at <= ${head.now}::timestamptz)
        union all
        select type from jobs
        where status = 'queued' and run_at is not null
          and run_at > ${last.now}::timestamptz and run_at <= ${head.now}::timestamptz
      ) as due`;
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
