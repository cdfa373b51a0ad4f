// RFC 9457 problem details: the one catalog of error types this service answers with, and the
// ProblemError that carries one through the stack to onError.
import { z } from '@hono/zod-openapi';

export const PROBLEM_BASE = 'https://async-jobs.dev/problems/';

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: `${PROBLEM_BASE}not-found` }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ pointer: z.string(), detail: z.string() })).optional(),
    job: z.string().optional().openapi({ description: 'Status URL of the job (409 on /result).' }),
  })
  .openapi('Problem');
export type Problem = z.infer<typeof ProblemSchema>;
export interface FieldError {
  pointer: string;
  detail: string;
}

const catalog = {
  'bad-request': { status: 400, title: 'Bad request' },
  'malformed-json': { status: 400, title: 'Malformed JSON' },
  'invalid-query': { status: 400, title: 'Invalid query parameters' },
  'invalid-header': { status: 400, title: 'Invalid header' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  'not-found': { status: 404, title: 'Not found' },
  'job-not-found': { status: 404, title: 'Job not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'job-not-finished': { status: 409, title: 'Job not finished' },
  'job-not-succeeded': { status: 409, title: 'Job did not succeed' },
  'job-already-finished': { status: 409, title: 'Job already finished' },
  'idempotency-in-progress': { status: 409, title: 'Request with this Idempotency-Key in progress' },
  'no-callback': { status: 409, title: 'Nothing to deliver' },
  'result-expired': { status: 410, title: 'Result expired' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'upgrade-required': { status: 426, title: 'Upgrade required' },
  'validation-failed': { status: 422, title: 'Validation failed' },
  'unknown-job-type': { status: 422, title: 'Unknown job type' },
  'callback-url-refused': { status: 422, title: 'Callback URL refused' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency-Key reused with a different body' },
  'too-many-active-jobs': { status: 429, title: 'Too many active jobs' },
  'too-many-streams': { status: 429, title: 'Too many open streams' },
  'job-canceled': { status: 500, title: 'Job canceled' },
  'job-failed': { status: 500, title: 'Job failed' },
  internal: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const;

export type ProblemKind = keyof typeof catalog;

export function problem(kind: ProblemKind, detail: string, extra: Partial<Problem> = {}): Problem {
  const entry = catalog[kind];
  return { type: `${PROBLEM_BASE}${kind}`, title: entry.title, status: entry.status, detail, ...extra };
}

export class ProblemError extends Error {
  readonly problem: Problem;
  readonly headers: Record<string, string>;
  constructor(
    kind: ProblemKind,
    detail: string,
    extra: Partial<Problem> = {},
    headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
    this.problem = problem(kind, detail, extra);
    this.headers = headers;
  }
}

/** The one 404 for a job that is missing, another owner's, or named by a malformed id. */
export function jobNotFound(): ProblemError {
  return new ProblemError('job-not-found', 'No job with this id exists for your API key.');
}

export function validationFailed(
  errors: FieldError[],
  detail = 'The request body is invalid.',
): ProblemError {
  return new ProblemError('validation-failed', detail, { errors });
}

/** zod issue paths → RFC 6901 JSON Pointers ("" is the whole document). */
export function toFieldErrors(
  issues: readonly { path: PropertyKey[]; message: string }[],
  prefix = '',
): FieldError[] {
  const escapeToken = (p: PropertyKey) => String(p).replaceAll('~', '~0').replaceAll('/', '~1');
  return issues.map((issue) => ({
    pointer: prefix + issue.path.map((p) => `/${escapeToken(p)}`).join(''),
    detail: issue.message,
  }));
}
