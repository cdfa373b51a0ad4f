// Wakes workers when scheduled jobs come due. pg-boss announces a job over NOTIFY only when it is
// runnable at insert, so a job with a future run_at would otherwise wait for an idle worker's
// next poll (QUEUE_POLL_SECONDS); the contract starts it within about a second of its run_at.
import type { PgBoss } from 'pg-boss';
import type { Sql } from '../db/client.ts';
import { queueNameOf } from '../job-types/registry.ts';

/** How often to look for jobs that just came due: bounds their extra delay. */
export const DUE_CHECK_MS = 250;

export interface DueJobWaker {
  stop(): void;
}

export function startDueJobWaker(
  sql: Sql,
  boss: PgBoss,
  queues: ReadonlySet<string>,
  onError: (error: unknown) => void,
): DueJobWaker {
  let since: string | undefined;
  let checking = false;
  const check = async () => {
    // Jobs whose run_at passed since the last look (the database's clock, as pg-boss's).
    const rows = await sql<{ type: string | null; due: number; now: string }[]>`
      select j.type, count(j.type)::int as due, now()::text as now
      from (select now()) as n
      left join jobs j on j.status = 'queued' and j.run_at is not null
        and j.run_at <= now() and j.run_at > coalesce(${since ?? null}::timestamptz, now())
      group by j.type`;
    since = rows[0]?.now ?? since;
    for (const row of rows) if (row.type) wake(boss, queueNameOf(row.type), row.due, queues);
  };
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    check()
      .catch(onError)
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
