// POST /v1/jobs/{id}/deliveries (operationId redeliverCallback): send the final event again now,
// with the same webhook-id and the same body bytes, as one extra attempt.
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../../app-deps.ts';
import type { AppEnv } from '../../http/app-env.ts';
import { jobNotFound, ProblemError } from '../../http/problem.ts';
import { jobPath } from '../../jobs/job-resource.ts';
import { findOwnedJob } from '../../jobs/job-store.ts';
import { scheduleAttempt } from '../../webhooks/dispatcher.ts';
import { findEventOfJob } from '../../webhooks/webhook-store.ts';
import { authResponses, BEARER_SECURITY, jobNotFoundResponse, problemResponse } from '../openapi-common.ts';
import { RedeliveryAcceptedSchema } from './deliveries-schemas.ts';
import { JobIdParamsSchema } from './schemas.ts';

export const redeliverCallbackRoute = createRoute({
  method: 'post',
  path: '/v1/jobs/{id}/deliveries',
  operationId: 'redeliverCallback',
  tags: ['callbacks'],
  summary: "Redeliver a job's callback",
  description:
    'Queues one more attempt of the final event now: same `webhook-id`, same body, fresh timestamp and signatures. A successful redelivery marks the callback delivered; a failed one changes nothing. It shows in the delivery log like any attempt. No body is needed.',
  security: BEARER_SECURITY,
  request: { params: JobIdParamsSchema },
  responses: {
    202: {
      description: 'The attempt is queued.',
      content: { 'application/json': { schema: RedeliveryAcceptedSchema } },
    },
    ...authResponses,
    ...jobNotFoundResponse,
    409: problemResponse('The job has no callback URL, or has not finished yet.'),
  },
});

export function registerRedeliverCallback(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  app.openapi(redeliverCallbackRoute, async (c) => {
    const { id } = c.req.valid('param');
    const ownerId = c.get('ownerId');
    const job = await findOwnedJob(deps.sql, ownerId, id, deps.config.JOB_TTL_SECONDS);
    if (!job) throw jobNotFound();
    if (!job.callback_url) throw new ProblemError('no-callback', 'This job has no callback URL.');
    const event = await findEventOfJob(deps.sql, ownerId, job.id);
    if (!event) {
      throw new ProblemError(
        'job-not-finished',
        'The job has not finished: there is no event to deliver yet.',
        {
          job: jobPath(job.id),
        },
      );
    }
    await scheduleAttempt(
      deps.boss,
      { event_id: event.id, auto: null },
      { timeoutMs: deps.config.CALLBACK_TIMEOUT_MS },
    );
    return c.json({ webhook_id: event.id }, 202);
  });
}
