// POST /v1/jobs (operationId submitJob): 202 Accepted with the job and its status URL.
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps } from '../../app-deps.ts';
import type { AppEnv } from '../../http/app-env.ts';
import { parsePreferWait } from '../../http/prefer-wait.ts';
import { jobPath, toJobResource } from '../../jobs/job-resource.ts';
import { isTerminal } from '../../jobs/job-status.ts';
import { findOwnedJob, type JobRow } from '../../jobs/job-store.ts';
import { submitJob } from '../../jobs/submit.ts';
import {
  authResponses,
  BEARER_SECURITY,
  ETAG,
  IDEMPOTENT_REPLAYED,
  IdempotencyKeyHeaderSchema,
  LOCATION,
  PREFERENCE_APPLIED,
  PreferHeaderSchema,
  problemResponse,
  RETRY_AFTER,
  requiredHeader,
} from '../openapi-common.ts';
import { answerWithJob } from './job-answer.ts';
import { jobRetryAfterSeconds } from './job-retry-after.ts';
import { JobSchema, SubmitJobRequestSchema } from './schemas.ts';
import { submitDepsOf } from './submit-deps.ts';
import { isSubmitRefusal, submitRefusalProblem } from './submit-problem.ts';

export const submitJobRoute = createRoute({
  method: 'post',
  path: '/v1/jobs',
  operationId: 'submitJob',
  tags: ['jobs'],
  summary: 'Submit a job',
  description:
    "Validates `input` against the job type's schema, stores and enqueues the job, and answers 202 at once with its status URL. With `Prefer: wait=N` the answer is held up to N seconds and, if the job finished by then, is what `GET /v1/jobs/{id}` would answer.",
  security: BEARER_SECURITY,
  request: {
    headers: z.object({
      'idempotency-key': IdempotencyKeyHeaderSchema,
      prefer: PreferHeaderSchema,
    }),
    body: { required: true, content: { 'application/json': { schema: SubmitJobRequestSchema } } },
  },
  responses: {
    202: {
      description: 'Accepted: the job is queued.',
      content: { 'application/json': { schema: JobSchema } },
      headers: {
        Location: requiredHeader(LOCATION),
        'Retry-After': requiredHeader(RETRY_AFTER),
        'Idempotent-Replayed': IDEMPOTENT_REPLAYED,
        'Preference-Applied': PREFERENCE_APPLIED,
      },
    },
    200: {
      description: 'With Prefer: wait, the job failed or was canceled within the wait.',
      content: { 'application/json': { schema: JobSchema } },
      headers: {
        ETag: requiredHeader(ETAG),
        'Preference-Applied': requiredHeader(PREFERENCE_APPLIED),
        'Idempotent-Replayed': IDEMPOTENT_REPLAYED,
      },
    },
    303: {
      description: 'With Prefer: wait, the job succeeded within the wait: see its result.',
      content: { 'application/json': { schema: JobSchema } },
      headers: {
        Location: requiredHeader(LOCATION),
        ETag: requiredHeader(ETAG),
        'Preference-Applied': requiredHeader(PREFERENCE_APPLIED),
        'Idempotent-Replayed': IDEMPOTENT_REPLAYED,
      },
    },
    400: problemResponse('Malformed JSON, nesting deeper than 64, or a bad Idempotency-Key header.'),
    ...authResponses,
    409: problemResponse('A request with this Idempotency-Key is still being processed.', {
      'Retry-After': requiredHeader(RETRY_AFTER),
    }),
    413: problemResponse('The body is larger than MAX_BODY_BYTES.'),
    415: problemResponse('The body is not application/json.'),
    422: problemResponse(
      'Not an object, unknown type, invalid input or metadata, refused callback URL, or an Idempotency-Key reused with another body.',
    ),
    429: problemResponse('MAX_ACTIVE_JOBS_PER_OWNER jobs are already queued or running.', {
      'Retry-After': requiredHeader(RETRY_AFTER),
    }),
  },
});

/** Holds until the job is terminal or `seconds` pass; returns the job as it is then. */
async function waitForTerminal(
  deps: AppDeps,
  ownerId: string,
  row: JobRow,
  seconds: number,
  signal: AbortSignal,
) {
  const deadline = Date.now() + seconds * 1000;
  let current = row;
  while (!isTerminal(current.status) && Date.now() < deadline && !signal.aborted) {
    await deps.feed.waitForEvent(current.id, current.event_seq, deadline - Date.now(), signal);
    try {
      current = (await findOwnedJob(deps.sql, ownerId, current.id, deps.config.JOB_TTL_SECONDS)) ?? current;
    } catch (error) {
      // The job was accepted (committed): a failed re-read must not turn its 202 into a 500.
      deps.log.warn('re-reading a submitted job for Prefer: wait failed', {
        job_id: row.id,
        error: String(error),
      });
      return current;
    }
  }
  return current;
}

export function registerSubmitJob(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  const submitDeps = submitDepsOf(deps);
  app.openapi(submitJobRoute, async (c) => {
    const ownerId = c.get('ownerId');
    const body = c.req.valid('json');
    const key = c.req.header('idempotency-key'); // well-formed: checked before the body (app.ts)
    const outcome = await submitJob(submitDeps, ownerId, body, key, c.get('jsonBody'));
    if (isSubmitRefusal(outcome)) throw submitRefusalProblem(outcome);
    if (outcome.kind === 'created') deps.metrics.jobsSubmitted.inc({ type: outcome.job.type });
    const extra: Record<string, string> =
      outcome.kind === 'replayed' ? { 'Idempotent-Replayed': 'true' } : {};
    const wait = parsePreferWait(c.req.header('prefer'));
    let job = outcome.job;
    if (wait !== undefined) {
      extra['Preference-Applied'] = `wait=${wait}`;
      job = await waitForTerminal(
        deps,
        ownerId,
        job,
        wait,
        AbortSignal.any([c.req.raw.signal, deps.stopping]),
      );
      if (isTerminal(job.status)) return answerWithJob(c, job, extra) as never;
    }
    return c.json(toJobResource(job), 202, {
      Location: jobPath(job.id),
      'Retry-After': String(jobRetryAfterSeconds(job)),
      ...extra,
    });
  });
}
