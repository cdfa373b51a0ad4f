// The one event sequence SSE and WebSocket clients see for a job: a snapshot `status` first (or a
// replay after a given event id), then live `status` / `progress` events from the JobFeed, ending
// after the terminal status. Event ids are the job_events seq, so they increase per job.
import type { JobFeed } from '../jobs/job-feed.ts';
import { type JobResource, toJobResource } from '../jobs/job-resource.ts';
import { isTerminal } from '../jobs/job-status.ts';
import type { JobEventRow, JobRow } from '../jobs/job-store.ts';

export interface JobStreamEvent {
  type: 'status' | 'progress';
  /** The job_events seq: the SSE `id:` and the WebSocket `id`. */
  id: number;
  data: JobResource | Record<string, unknown>;
}

export function toJobStreamEvent(row: JobEventRow): JobStreamEvent {
  if (row.kind === 'status')
    return { type: 'status', id: row.seq, data: toJobResource(row.payload as never) };
  return { type: 'progress', id: row.seq, data: row.payload };
}

function isTerminalEvent(event: JobStreamEvent): boolean {
  return event.type === 'status' && isTerminal((event.data as JobResource).status);
}

/** True when a client that has seen event `after` has seen the job's final event (SSE: 204). */
export function hasSeenFinalEvent(job: JobRow, after: number | undefined): boolean {
  return after !== undefined && isTerminal(job.status) && after >= job.event_seq;
}

export interface JobFollower {
  /** True once the terminal event went out (or there was nothing left to send) or stop() ran. */
  readonly ended: boolean;
  /** Stops delivery and releases the feed subscription; safe to call more than once. */
  stop(): void;
}

/**
 * Delivers the job's events to `onEvent`: with `after` undefined, first its current state as a
 * `status` event, else every event after `after` (replayed from the table, then live). Calls
 * `onEnd` once, right after the terminal status event.
 */
export function followJob(
  feed: JobFeed,
  job: JobRow,
  requestedAfter: number | undefined,
  onEvent: (event: JobStreamEvent) => void,
  onEnd: () => void,
): JobFollower {
  // An id past the job's last event (or past int4) would skip its terminal event: clamp it.
  let after = requestedAfter === undefined ? undefined : Math.min(requestedAfter, job.event_seq);
  let stopped = false;
  let unsubscribe = () => {};
  const stop = () => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
  };
  const follower: JobFollower = {
    get ended() {
      return stopped;
    },
    stop,
  };
  const deliver = (event: JobStreamEvent) => {
    if (stopped) return;
    onEvent(event);
    if (isTerminalEvent(event)) {
      stop();
      onEnd();
    }
  };
  if (hasSeenFinalEvent(job, after)) {
    // Nothing more will ever come: end now rather than hold a subscription forever.
    stopped = true;
    onEnd();
    return follower;
  }
  // A finished job whose result (and with it its event history) was purged has nothing left to
  // replay: send its final status instead, so the stream still ends.
  if (isTerminal(job.status) && job.result_purged_at) after = undefined;
  if (after === undefined) {
    deliver({ type: 'status', id: job.event_seq, data: toJobResource(job) });
    if (stopped) return follower;
  }
  unsubscribe = feed.subscribe(job.id, after ?? job.event_seq, (row) => deliver(toJobStreamEvent(row)));
  // A terminal event may have been delivered synchronously before `unsubscribe` was assigned.
  if (stopped) unsubscribe();
  return follower;
}
