// The lost-job rescuer: a job whose queue entry pg-boss gave up on (every retry spent on workers
// that crashed mid-attempt) would otherwise stay queued/running forever; fail it with a clear error.
import type { Sql } from '../db/client.ts';
import { PROBLEM_BASE } from '../http/problem.ts';
import { failLostJob, findLostJobs } from '../jobs/job-store.ts';
import { runTerminalHooks, type TerminalHook } from '../jobs/terminal-hooks.ts';
import type { Logger } from '../observability/logger.ts';

const GRACE_SECONDS = 60;

export async function rescueLostJobs(sql: Sql, hooks: readonly TerminalHook[], log: Logger): Promise<number> {
  const lost = await findLostJobs(sql, GRACE_SECONDS);
  for (const { id } of lost) {
    await sql.begin(async (tx) => {
      const row = await failLostJob(tx, id, {
        type: `${PROBLEM_BASE}worker-lost`,
        title: 'Worker lost',
        detail: "The job's workers stopped responding on every attempt (crash or kill); it was given up.",
      });
      if (row) {
        await runTerminalHooks(hooks, tx, row);
        log.warn('lost job failed', { job_id: id });
      }
    });
  }
  return lost.length;
}

export function startLostJobRescuer(
  sql: Sql,
  hooks: readonly TerminalHook[],
  log: Logger,
  intervalMs = 30_000,
) {
  const timer = setInterval(() => {
    rescueLostJobs(sql, hooks, log).catch((error) => log.warn('rescuer failed', { error: String(error) }));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
