// The dashboard's own reads, each scoped to one owner in the statement itself (as the API's are):
// the owner's queue depth, recent failures, and a job's event timeline.
import type { Sql } from '../db/client.ts';

export interface QueueDepthRow {
  type: string;
  queued: number;
  running: number;
}

/** The owner's queued and running jobs per type (the partial index on active jobs answers it). */
export function readOwnerQueueDepth(sql: Sql, ownerId: string): Promise<QueueDepthRow[]> {
  return sql<QueueDepthRow[]>`
    select type,
           count(*) filter (where status = 'queued')::int as queued,
           count(*) filter (where status = 'running')::int as running
    from jobs
    where owner_id = ${ownerId} and status in ('queued', 'running')
    group by type
    order by type`;
}

export interface RecentFailureRow {
  id: string;
  type: string;
  error: { title?: string; detail?: string } | null;
  finished_at: Date | null;
}

// Looks at the owner's latest jobs only, so the panel costs the same however old the account is.
const RECENT_WINDOW = 1000;

export function readOwnerRecentFailures(sql: Sql, ownerId: string, limit = 5): Promise<RecentFailureRow[]> {
  return sql<RecentFailureRow[]>`
    select id, type, error, finished_at
    from (select id, type, status, error, finished_at, seq from jobs
          where owner_id = ${ownerId} order by seq desc limit ${RECENT_WINDOW}) latest
    where status = 'failed'
    order by seq desc
    limit ${limit}`;
}

export interface TimelineRow {
  seq: number;
  kind: 'status' | 'progress';
  payload: Record<string, unknown>;
  created_at: Date;
}

/** The job's recorded events, oldest first; empty for another owner's job. */
export function readOwnedJobTimeline(
  sql: Sql,
  ownerId: string,
  jobId: string,
  limit = 500,
): Promise<TimelineRow[]> {
  return sql<TimelineRow[]>`
    select e.seq, e.kind, e.payload, e.created_at
    from job_events e join jobs j on j.id = e.job_id
    where e.job_id = ${jobId} and j.owner_id = ${ownerId}
    order by e.seq
    limit ${limit}`;
}
