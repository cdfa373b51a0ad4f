// GET /v1/jobs/{id}/deliveries (operationId listDeliveries): the job's callback attempts.
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../../app-deps.ts';
import type { AppEnv } from '../../http/app-env.ts';
import { jobNotFound } from '../../http/problem.ts';
import { findOwnedJob } from '../../jobs/job-store.ts';
import { findEventOfJob, listAttempts } from '../../webhooks/webhook-store.ts';
import { authResponses, BEARER_SECURITY, jobNotFoundResponse } from '../openapi-common.ts';
import { DeliveryListSchema } from './deliveries-schemas.ts';
import { JobIdParamsSchema } from './schemas.ts';

export const listDeliveriesRoute = createRoute({
  method: 'get',
  path: '/v1/jobs/{id}/deliveries',
  operationId: 'listDeliveries',
  tags: ['callbacks'],
  summary: "List a job's callback attempts",
  description:
    'Every attempt to deliver the callback of this job, oldest first: automatic attempts and redeliveries. Empty until the job finished, and for a job without a callback URL.',
  security: BEARER_SECURITY,
  request: { params: JobIdParamsSchema },
  responses: {
    200: { description: 'The attempts.', content: { 'application/json': { schema: DeliveryListSchema } } },
    ...authResponses,
    ...jobNotFoundResponse,
  },
});

const iso = (v: string | Date | null) => (v === null ? null : new Date(v).toISOString());

export function registerListDeliveries(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  app.openapi(listDeliveriesRoute, async (c) => {
    const { id } = c.req.valid('param');
    const ownerId = c.get('ownerId');
    const job = await findOwnedJob(deps.sql, ownerId, id, deps.config.JOB_TTL_SECONDS);
    if (!job) throw jobNotFound();
    const event = await findEventOfJob(deps.sql, ownerId, job.id);
    const attempts = event ? await listAttempts(deps.sql, event.id) : [];
    return c.json(
      {
        data: attempts.map((a) => ({
          attempt: a.attempt,
          at: iso(a.at) ?? '',
          status_code: a.status_code,
          error: a.error,
          duration_ms: a.duration_ms,
          next_attempt_at: iso(a.next_attempt_at),
        })),
      },
      200,
    );
  });
}
