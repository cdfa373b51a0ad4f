// Retry-After for a job still queued or running: until a scheduled job's run_at, the whole
// seconds until it starts (CONTRACT "Scheduling": at least 1); otherwise the age-based backoff.
import { retryAfterSeconds } from '../../http/retry-after.ts';
import type { JobRow } from '../../jobs/job-store.ts';

export function jobRetryAfterSeconds(
  row: Pick<JobRow, 'status' | 'run_at' | 'created_at'>,
  now = Date.now(),
) {
  if (row.status === 'queued' && row.run_at !== null) {
    const untilStartMs = new Date(row.run_at).getTime() - now;
    if (untilStartMs > 0) return Math.max(1, Math.ceil(untilStartMs / 1000));
  }
  return retryAfterSeconds(row.created_at, now);
}
