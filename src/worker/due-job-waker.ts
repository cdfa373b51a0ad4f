// Wakes idle workers for jobs that became runnable since the last look: scheduled jobs whose
// run_at just passed, and jobs just inserted. pg-boss sends one NOTIFY per insert statement, and
// only when a job is runnable at once, so without this a scheduled job would wait for an idle
// worker's next poll (QUEUE_POLL_SECONDS) and a batch of many jobs would wake one worker, not as
// many as it has jobs; the contract starts a due job within about a second when a worker is free.
import type { PgBoss } from 'pg-boss';
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
  boss: PgBoss,
  queues: ReadonlySet<string>,
  onError: (error: unknown) => void,
): Promise<DueJobWaker> {
  // Read before the workers take submissions, so the first jobs are not taken for old ones.
  let since = await readHead(sql);
  let checking = false;
  const check = async () => {
    const head = await readHead(sql);
    const last = since;
    since = head;
    const rows = await sql<{ type: string; due: number }[]>`
      select type, count(*)::int as due from (
        select type from jobs
        where seq > ${last.seq} and seq <= ${head.seq} and status = 'queued'
          and (run_at is null or run_at <= ${head.now}::timestamptz)
        union all
        select type from jobs
        where status = 'queued' and run_at is not null
          and run_at > ${last.now}::timestamptz and run_at <= ${head.now}::timestamptz
      ) as due group by type`;
    for (const row of rows) wake(boss, queueNameOf(row.type), row.due, queues);
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

/** Up to `count` idle workers of the queue fetch now; when none is idle, each fetches once done. */
function wake(boss: PgBoss, queue: string, count: number, queues: ReadonlySet<string>): void {
  if (!queues.has(queue)) return;
  const workers = boss.getWipData().filter((w) => w.name === queue);
  const idle = workers.filter((w) => w.count === 0).slice(0, count);
  for (const w of idle.length > 0 ? idle : workers) boss.notifyWorker(w.id);
}
