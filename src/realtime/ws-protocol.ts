// The JSON messages of the WebSocket channel (GET /v1/ws): what a client may send, checked with
// zod, and the shapes the server answers with. Close codes in the 4000–4999 range are ours to
// define (RFC 6455 §7.4.2); 4401 mirrors HTTP 401.
import { z } from 'zod';
import { type Problem, ProblemError, toFieldErrors } from '../http/problem.ts';
import type { JobRow } from '../jobs/job-store.ts';
import type { JobStreamEvent } from './follow-job.ts';

/**
 * Submits the body of a `submit` message as POST /v1/jobs would: given to the channel by
 * service.ts (routes/jobs/submit-message.ts), so realtime/ does not import routes/.
 */
export type MessageSubmitter = (
  ownerId: string,
  body: unknown,
  idempotencyKey: string | undefined,
) => Promise<{ kind: 'accepted'; job: JobRow } | { kind: 'refused'; problem: Problem }>;

/** Closed without a valid API key (header or first `auth` message within WS_AUTH_TIMEOUT_MS). */
export const CLOSE_UNAUTHORIZED = 4401;
/** RFC 6455 §7.4.1: 1009, a message too big to process. */
export const CLOSE_TOO_BIG = 1009;
/** RFC 6455 §7.4.1: 1008, a policy violation (here: over the per-owner connection cap). */
export const CLOSE_POLICY = 1008;
/** RFC 6455 §7.4.1: 1001, the server is going away (shutdown). */
export const CLOSE_GOING_AWAY = 1001;

const JobIdSchema = z.string().min(1).max(200);
const RequestIdSchema = z.string().min(1).max(200);

export const ClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token: z.string().min(1).max(1000) }),
  z.object({
    type: z.literal('subscribe'),
    job_id: JobIdSchema,
    after: z.number().int().min(0).optional(),
  }),
  z.object({ type: z.literal('unsubscribe'), job_id: JobIdSchema }),
  z.object({
    type: z.literal('submit'),
    request_id: RequestIdSchema,
    job: z.unknown(),
    idempotency_key: z.string().optional(),
  }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export type ServerMessage =
  | { type: 'status' | 'progress'; job_id: string; id: number; data: JobStreamEvent['data'] }
  | { type: 'accepted'; request_id: string; data: unknown }
  | { type: 'error'; job_id?: string; request_id?: string; problem: Problem };

export type ParsedMessage =
  | { ok: true; message: ClientMessage }
  | { ok: false; problem: Problem; job_id?: string; request_id?: string };

/**
 * Parses one text frame. A malformed one yields a 400 problem (echoing job_id / request_id when
 * they can be read) so the client can tell which request it answers.
 */
export function parseClientMessage(text: string): ParsedMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {
      ok: false,
      problem: new ProblemError('malformed-json', 'The message is not valid JSON.').problem,
    };
  }
  const result = ClientMessageSchema.safeParse(value);
  if (result.success) return { ok: true, message: result.data };
  const echo: { job_id?: string; request_id?: string } = {};
  if (value && typeof value === 'object') {
    const { job_id, request_id } = value as Record<string, unknown>;
    if (typeof job_id === 'string') echo.job_id = job_id;
    if (typeof request_id === 'string') echo.request_id = request_id;
  }
  return {
    ok: false,
    ...echo,
    problem: new ProblemError(
      'bad-request',
      'The message is not a valid auth, subscribe, unsubscribe or submit.',
      {
        errors: toFieldErrors(result.error.issues),
      },
    ).problem,
  };
}

export function toEventMessage(jobId: string, event: JobStreamEvent): ServerMessage {
  return { type: event.type, job_id: jobId, id: event.id, data: event.data };
}
