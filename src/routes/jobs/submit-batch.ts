// POST /v1/jobs/batch (operationId submitBatch): many submits in one request, all or nothing
// (AIP-233), answered 202 with the jobs in request order. No Location: each job links itself.
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps } from '../../app-deps.ts';
import type { AppEnv } from '../../http/app-env.ts';
import { ProblemError, validationFailed } from '../../http/problem.ts';
import { toJobResource } from '../../jobs/job-resource.ts';
import { submitBatch } from '../../jobs/submit-batch.ts';
import {
  authResponses,
  BEARER_SECURITY,
  IDEMPOTENT_REPLAYED,
  IdempotencyKeyHeaderSchema,
  problemResponse,
  RETRY_AFTER,
  requiredHeader,
} from '../openapi-common.ts';
import { JobBatchSchema, SubmitBatchRequestSchema } from './schemas.ts';
import { submitDepsOf } from './submit-deps.ts';
import { submitRefusalProblem } from './submit-problem.ts';

export const submitBatchRoute = createRoute({
  method: 'post',
  path: '/v1/jobs/batch',
  operationId: 'submitBatch',
  tags: ['jobs'],
  summary: 'Submit many jobs at once',
  description:
    'Each item is a `POST /v1/jobs` body. All or nothing: every job is created in one transaction, or none is (an invalid item answers 422 with pointers `/jobs/{index}/...`; a batch over the active-jobs cap answers 429). `Idempotency-Key` covers the whole batch. `Prefer: wait` is ignored.',
  security: BEARER_SECURITY,
  request: {
    headers: z.object({
      'idempotency-key': IdempotencyKeyHeaderSchema,
    }),
    body: { required: true, content: { 'application/json': { schema: SubmitBatchRequestSchema } } },
  },
  responses: {
    202: {
      description: 'Accepted: every job is queued.',
      content: { 'application/json': { schema: JobBatchSchema } },
      headers: { 'Idempotent-Replayed': IDEMPOTENT_REPLAYED },
    },
    400: problemResponse('Malformed JSON, nesting deeper than 64, or a bad Idempotency-Key header.'),
    ...authResponses,
    409: problemResponse('A request with this Idempotency-Key is still being processed.', {
      'Retry-After': requiredHeader(RETRY_AFTER),
    }),
    413: problemResponse('The body is larger than MAX_BODY_BYTES.'),
    415: problemResponse('The body is not application/json.'),
    422: problemResponse(
      'No items, more than MAX_BATCH_JOBS, an invalid item (pointers /jobs/{index}/...), or an Idempotency-Key reused with another body. Nothing was created.',
    ),
    429: problemResponse('The batch would exceed MAX_ACTIVE_JOBS_PER_OWNER. Nothing was created.', {
      'Retry-After': requiredHeader(RETRY_AFTER),
    }),
  },
});

export function registerSubmitBatch(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  const submitDeps = submitDepsOf(deps);
  const maxJobs = deps.config.MAX_BATCH_JOBS;
  app.openapi(submitBatchRoute, async (c) => {
    const ownerId = c.get('ownerId');
    const { jobs } = c.req.valid('json');
    if (jobs.length > maxJobs) {
      throw validationFailed(
        [{ pointer: '/jobs', detail: `at most ${maxJobs} jobs per batch (MAX_BATCH_JOBS)` }],
        `A batch holds 1 to ${maxJobs} jobs.`,
      );
    }
    const key = c.req.header('idempotency-key'); // well-formed: checked before the body (app.ts)
    const outcome = await submitBatch(submitDeps, ownerId, jobs, key, c.get('jsonBody'));
    switch (outcome.kind) {
      case 'invalid-items':
        throw validationFailed(outcome.errors, 'Some jobs of the batch are invalid; none was created.');
      case 'idempotency-mismatch':
      case 'idempotency-in-progress':
        throw submitRefusalProblem(outcome);
      case 'capped':
        throw new ProblemError(
          'too-many-active-jobs',
          `This batch would take you over ${outcome.limit} jobs queued or running; none was created.`,
          {},
          { 'Retry-After': '5' },
        );
      case 'created':
        for (const [type, count] of countByType(outcome.jobs))
          deps.metrics.jobsSubmitted.inc({ type }, count);
        return c.json({ data: outcome.jobs.map((job) => toJobResource(job)) }, 202);
      case 'replayed':
        return c.json({ data: outcome.jobs.map((job) => toJobResource(job)) }, 202, {
          'Idempotent-Replayed': 'true',
        });
    }
  });
}

/** One counter increment per type, not per job (a label lookup each). */
function countByType(jobs: ReadonlyArray<{ type: string }>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { type } of jobs) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}
