// Observes a finished job's queue wait and run time into the histograms. It runs as a terminal
// hook (with the status's transaction), so every way a job ends is counted: worker, cancel, rescuer.
import type { TerminalHook } from '../jobs/terminal-hooks.ts';
import type { Metrics } from './metrics.ts';

const seconds = (from: Date | string, to: Date | string) =>
  (new Date(to).getTime() - new Date(from).getTime()) / 1000;

export function createJobTimingHook(metrics: Metrics): TerminalHook {
  return async function observeJobTimings(_tx, job) {
    if (!job.started_at) return; // canceled while queued: it never waited its turn to the end
    metrics.jobQueueWait.observe({ type: job.type }, Math.max(0, seconds(job.created_at, job.started_at)));
    if (job.finished_at) {
      metrics.jobRunTime.observe(
        { type: job.type, status: job.status },
        Math.max(0, seconds(job.started_at, job.finished_at)),
      );
    }
  };
}
