// GET /dashboard/live?ids=a,b,c: one server-sent event stream for the jobs on a page (a browser
// allows only ~6 connections per origin, so not one EventSource per row). Each `job` event is
// { job_id, status?, percent?, message? }; `end` once every followed job has finished. Jobs are
// looked up by id AND owner, like the API's; a foreign or unknown id is simply never reported.
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AppDeps } from '../app-deps.ts';
import { SSE_HEARTBEAT_MS, writeSseComment } from '../http/sse.ts';
import type { JobResource } from '../jobs/job-resource.ts';
import { findOwnedJob } from '../jobs/job-store.ts';
import { followJob, type JobFollower, type JobStreamEvent } from '../realtime/follow-job.ts';
import type { DashboardEnv } from './dashboard-env.ts';

const MAX_JOBS_PER_STREAM = 100;

function toLiveUpdate(jobId: string, event: JobStreamEvent): Record<string, unknown> {
  if (event.type === 'progress') {
    const p = event.data as { percent?: number; message?: string };
    return { job_id: jobId, percent: p.percent, message: p.message };
  }
  const job = event.data as JobResource;
  return {
    job_id: jobId,
    status: job.status,
    percent: job.status === 'succeeded' ? 100 : job.progress?.percent,
    message: job.progress?.message,
  };
}

export function createLiveEventsHandler(deps: AppDeps) {
  return async function streamDashboardEvents(c: Context<DashboardEnv>) {
    const ownerId = c.get('ownerId');
    const ids = [...new Set((c.req.query('ids') ?? '').split(',').filter(Boolean))].slice(
      0,
      MAX_JOBS_PER_STREAM,
    );
    const found = await Promise.all(
      ids.map((id) => findOwnedJob(deps.sql, ownerId, id, deps.config.JOB_TTL_SECONDS)),
    );
    const jobs = found.filter((j) => j !== undefined);

    let end = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    const release = deps.streams.open(ownerId, () => end());
    if (!release) return c.body(null, 429, { 'Retry-After': '5' });
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, async (stream) => {
      let writing: Promise<unknown> = Promise.resolve();
      const write = (event: string, data: unknown) => {
        writing = writing.then(() => stream.writeSSE({ event, data: JSON.stringify(data) }));
      };
      let open = jobs.length;
      const finishOne = () => {
        open -= 1;
        if (open === 0) {
          write('end', {});
          end();
        }
      };
      const heartbeat = setInterval(() => {
        writing = writing.then(() => writeSseComment(stream, 'heartbeat'));
      }, SSE_HEARTBEAT_MS);
      stream.onAbort(() => end());
      const followers: JobFollower[] = jobs.map((job) =>
        followJob(deps.feed, job, undefined, (event) => write('job', toLiveUpdate(job.id, event)), finishOne),
      );
      if (jobs.length === 0) {
        write('end', {});
        end();
      }
      try {
        await ended;
      } finally {
        clearInterval(heartbeat);
        for (const f of followers) f.stop();
        release();
        await writing;
      }
    });
  };
}
