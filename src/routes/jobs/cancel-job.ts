// POST /v1/jobs/{id}/cancel (operationId cancelJob).
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../../app-deps.ts';
import type { AppEnv } from '../../http/app-env.ts';
import { jobNotFound, ProblemError } from '../../http/problem.ts';
import { cancelJob } from '../../jobs/cancel.ts';
import { toJobResource } from '../../jobs/job-resource.ts';
import { authResponses, BEARER_SECURITY, jobNotFoundResponse, problemResponse } from '../openapi-common.ts';
import { JobIdParamsSchema, JobSchema } from './schemas.ts';

export const cancelJobRoute = createRoute({
  method: 'post',
  path: '/v1/jobs/{id}/cancel',
  operationId: 'cancelJob',
  tags: ['jobs'],
  summary: 'Cancel a job',
  description:
    "A queued job is canceled at once. A running job has cancellation requested: its handler's AbortSignal fires and the job ends `canceled`. No body is needed.",
  security: BEARER_SECURITY,
  request: { params: JobIdParamsSchema },
  responses: {
    202: {
      description: 'Canceled, or cancellation requested.',
      content: { 'application/json': { schema: JobSchema } },
    },
    ...authResponses,
    ...jobNotFoundResponse,
    409: problemResponse('The job already finished.'),
  },
});

export function registerCancelJob(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  app.openapi(cancelJobRoute, async (c) => {
    const { id } = c.req.valid('param');
    const outcome = await cancelJob(
      {
        sql: deps.sql,
        boss: deps.boss,
        terminalHooks: deps.terminalHooks,
        jobTtlSeconds: deps.config.JOB_TTL_SECONDS,
      },
      c.get('ownerId'),
      id,
    );
    if (outcome.kind === 'missing') throw jobNotFound();
    if (outcome.kind === 'terminal') {
      throw new ProblemError('job-already-finished', `The job already ${outcome.job.status}.`, {
        job: `/v1/jobs/${id}`,
      });
    }
    return c.json(toJobResource(outcome.job), 202);
  });
}
