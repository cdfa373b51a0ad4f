// Service routes: liveness, readiness and Prometheus metrics, without an API key (/metrics wants
// METRICS_TOKEN as a Bearer token when that is set).

import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps } from '../app-deps.ts';
import type { AppEnv } from '../http/app-env.ts';
import { bearerToken, isSameSecret, unauthorized } from '../http/auth.ts';
import { clientErrorResponse, problemResponse } from './openapi-common.ts';

const HealthSchema = z.object({ status: z.string() }).openapi('Health');
const ReadinessSchema = z
  .object({ status: z.enum(['ready', 'not ready']), checks: z.record(z.string(), z.boolean()) })
  .openapi('Readiness');

export const healthzRoute = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  tags: ['service'],
  summary: 'Liveness: the process is up',
  security: [],
  responses: {
    200: { description: 'Alive.', content: { 'application/json': { schema: HealthSchema } } },
    ...clientErrorResponse,
  },
});

export const readyzRoute = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'getReadiness',
  tags: ['service'],
  summary: 'Readiness: database reachable, migrations applied, workers started',
  security: [],
  responses: {
    200: { description: 'Ready.', content: { 'application/json': { schema: ReadinessSchema } } },
    ...clientErrorResponse,
    503: { description: 'Not ready.', content: { 'application/json': { schema: ReadinessSchema } } },
  },
});

export const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'getMetrics',
  tags: ['service'],
  summary: 'Prometheus metrics',
  description:
    'Prometheus text format. Cheap to scrape: counters and histograms live in memory, and the backlog gauge reads the database at most every 5 s. When the service has METRICS_TOKEN set, send it as `Authorization: Bearer`.',
  security: [{}, { metricsToken: [] }],
  responses: {
    200: {
      description: 'Prometheus text exposition format.',
      content: { 'text/plain': { schema: z.string() } },
    },
    ...clientErrorResponse,
    401: problemResponse('The service has METRICS_TOKEN set and the request did not send it.'),
  },
});

export function registerServiceRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  app.openapi(healthzRoute, (c) => c.json({ status: 'ok' }, 200));
  app.openapi(readyzRoute, async (c) => {
    const r = await deps.readiness();
    return c.json(
      { status: r.ready ? ('ready' as const) : ('not ready' as const), checks: r.checks },
      r.ready ? 200 : 503,
    );
  });
  const metricsToken = deps.config.METRICS_TOKEN;
  app.openapi(metricsRoute, async (c) => {
    if (metricsToken) {
      const token = bearerToken(c.req.header('authorization'));
      if (!token || !isSameSecret(token, metricsToken))
        throw unauthorized('A valid metrics token is required.');
    }
    const text = await deps.metrics.registry.metrics();
    return c.text(text, 200, { 'Content-Type': deps.metrics.registry.contentType });
  });
}
