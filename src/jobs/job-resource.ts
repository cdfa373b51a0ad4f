// Maps a job row (or a status event's snapshot of one) to the public job resource: snake_case,
// RFC 3339 UTC times, links relative to the API or absolute under PUBLIC_BASE_URL.
import type { JobError } from './job-errors.ts';
import type { JobStatus } from './job-status.ts';
import type { JobRow } from './job-store.ts';

export type CallbackStatus = 'pending' | 'delivered' | 'retrying' | 'failed';

export interface JobResource {
  id: string;
  type: string;
  status: JobStatus;
  progress: { percent: number; message: string | null; data?: unknown; updated_at: string } | null;
  attempt: number;
  metadata: Record<string, string>;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  run_at: string | null;
  priority: number;
  error: JobError | null;
  callback: { url: string; status: CallbackStatus } | null;
  links: { self: string; result?: string; events: string; cancel: string };
}

const iso = (value: Date | string | null | undefined): string | null =>
  value === null || value === undefined ? null : new Date(value).toISOString();

export function jobPath(id: string): string {
  return `/v1/jobs/${encodeURIComponent(id)}`;
}

export function toJobResource(row: JobRow, baseUrl = ''): JobResource {
  const self = `${baseUrl}${jobPath(row.id)}`;
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    progress: row.progress
      ? {
          percent: row.progress.percent,
          message: row.progress.message ?? null,
          ...(row.progress.data === undefined ? {} : { data: row.progress.data }),
          updated_at: iso(row.progress.updated_at) ?? '',
        }
      : null,
    attempt: row.attempt,
    metadata: row.metadata ?? {},
    created_at: iso(row.created_at) ?? '',
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    run_at: iso(row.run_at),
    priority: row.priority ?? 0,
    error: row.error as JobError | null,
    callback: row.callback_url
      ? { url: row.callback_url, status: (row.callback_status ?? 'pending') as CallbackStatus }
      : null,
    links: {
      self,
      ...(row.status === 'succeeded' ? { result: `${self}/result` } : {}),
      events: `${self}/events`,
      cancel: `${self}/cancel`,
    },
  };
}
