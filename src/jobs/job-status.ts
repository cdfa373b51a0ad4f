// The job state machine: one spelling of each status, shared by the database, zod and code.
// queued → running → succeeded | failed | canceled; a retried attempt goes running → queued.
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'canceled'];
export const ACTIVE_STATUSES: readonly JobStatus[] = ['queued', 'running'];

export function isTerminal(status: string): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'canceled';
}
