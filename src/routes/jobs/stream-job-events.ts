// GET /v1/jobs/{id}/events (operationId streamJobEvents): the job's status and progress as
// server-sent events (WHATWG HTML §9.2), replayable with Last-Event-ID, closed after the terminal
// status. Delivery comes from the process's JobFeed: an open stream costs memory, not queries.
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { AppDeps } from '../../app-deps.ts';
import type { AppEnv } from '../../http/app-env.ts';
import { bearerToken } from '../../http/auth.ts';
import { jobNotFound, ProblemError } from '../../http/problem.ts';
import { parseLastEventId, SSE_HEARTBEAT_MS, SSE_RETRY_MS, writeSseComment } from '../../http/sse.ts';
import { findOwnedJob } from '../../jobs/job-store.ts';
import { followJob, hasSeenFinalEvent, type JobStreamEvent } from '../../realtime/follow-job.ts';
import {
  authResponses,
  BEARER_SECURITY,
  jobNotFoundResponse,
  problemResponse,
  RETRY_AFTER,
} from '../openapi-common.ts';
import { JobIdParamsSchema } from './schemas.ts';

/** Events and heartbeats queued for a client that is not reading; past either it is disconnected. */
export const SSE_MAX_PENDING_WRITES = 256;
export const SSE_MAX_PENDING_BYTES = 1024 * 1024;

export const streamJobEventsRoute = createRoute({
  method: 'get',
  path: '/v1/jobs/{id}/events',
  operationId: 'streamJobEvents',
  tags: ['jobs'],
  summary: 'Stream job events (SSE)',
  description:
    'A `text/event-stream`: first a `status` event with the job as it is now, then `progress` events (data: the progress object) and `status` events (data: the job) as they happen, each with an increasing integer `id`. The stream closes after the terminal status. Send `Last-Event-ID` to resume after an event (missed events are replayed); a reconnect after the final event gets 204. Comment heartbeats at least every 15 s.',
  security: BEARER_SECURITY,
  request: {
    params: JobIdParamsSchema,
    headers: z.object({
      'last-event-id': z
        .string()
        .optional()
        .openapi({
          param: { name: 'last-event-id', in: 'header' },
          description: 'The `id` of the last event received; the stream resumes after it.',
        }),
    }),
  },
  responses: {
    200: {
      description: 'The event stream.',
      content: {
        'text/event-stream': {
          schema: z.string().openapi({
            example:
              'retry: 2000\nevent: status\ndata: {"id":"…","status":"running",…}\nid: 2\n\nevent: progress\ndata: {"percent":50,"message":"step 5 of 10","updated_at":"…"}\nid: 3\n\n',
          }),
        },
      },
    },
    204: {
      description:
        'Last-Event-ID is already the final event: nothing more will come (EventSource stops reconnecting).',
    },
    ...authResponses,
    ...jobNotFoundResponse,
    429: problemResponse('SSE_MAX_STREAMS_PER_OWNER streams are already open for this owner.', {
      'Retry-After': RETRY_AFTER,
    }),
  },
});

export function registerStreamJobEvents(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  app.openapi(streamJobEventsRoute, async (c) => {
    const ownerId = c.get('ownerId');
    const { id } = c.req.valid('param');
    const job = await findOwnedJob(deps.sql, ownerId, id, deps.config.JOB_TTL_SECONDS);
    if (!job) throw jobNotFound();
    const after = parseLastEventId(c.req.header('last-event-id'));
    // WHATWG HTML §9.2.3: a 204 makes EventSource stop reconnecting.
    if (hasSeenFinalEvent(job, after)) return c.body(null, 204) as never;

    let end = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    const release = deps.streams.open(ownerId, () => end());
    if (!release) {
      throw new ProblemError(
        'too-many-streams',
        `You already have ${deps.config.SSE_MAX_STREAMS_PER_OWNER} event streams open; close some first.`,
        {},
        { 'Retry-After': '5' },
      );
    }
    // Nginx and some proxies buffer responses unless told not to; events must flow at once.
    c.header('X-Accel-Buffering', 'no');
    const token = bearerToken(c.req.header('authorization')) as string;
    return streamSSE(c, async (stream) => {
      let first = true;
      // Writes are chained so events go out in feed order even though each write is async. A
      // client that stops reading leaves them pending: past SSE_MAX_PENDING_WRITES it is cut off
      // (its EventSource reconnects with Last-Event-ID and misses nothing).
      let writing: Promise<unknown> = Promise.resolve();
      let pending = 0;
      let pendingBytes = 0;
      let cutOff = false;
      const write = (work: () => Promise<unknown>, bytes: number) => {
        if (cutOff) return;
        pendingBytes += bytes;
        if (++pending > SSE_MAX_PENDING_WRITES || pendingBytes > SSE_MAX_PENDING_BYTES) {
          cutOff = true;
          deps.log.warn('event stream cut off: client not reading', { job_id: job.id });
          (c.env as { outgoing?: { destroy(): void } } | undefined)?.outgoing?.destroy();
          return end();
        }
        writing = writing.then(work).finally(() => {
          pending--;
          pendingBytes -= bytes;
        });
      };
      const send = (event: JobStreamEvent) => {
        const retry = first ? SSE_RETRY_MS : undefined;
        first = false;
        const data = JSON.stringify(event.data);
        write(
          () =>
            stream.writeSSE({
              event: event.type,
              data,
              id: String(event.id),
              ...(retry === undefined ? {} : { retry }),
            }),
          data.length,
        );
      };
      const heartbeat = setInterval(
        () => write(() => writeSseComment(stream, 'heartbeat'), 16),
        SSE_HEARTBEAT_MS,
      );
      stream.onAbort(() => end());
      c.req.raw.signal.addEventListener('abort', () => end(), { once: true });
      // A revoked key's streams end (contract: within 10 s).
      const unwatch = deps.keyRevocations.watch(token, () => end());
      const follower = followJob(deps.feed, job, after, send, () => end());
      try {
        await ended;
      } finally {
        clearInterval(heartbeat);
        unwatch();
        follower.stop();
        release();
        // A client cut off for not reading would hold this forever.
        if (!cutOff) await writing;
      }
    }) as never;
  });
}
