// Unauthenticated service routes: liveness, readiness and Prometheus metrics.

import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps } from '../app-deps.ts';
import type { AppEnv } from '../http/app-env.ts';
import { clientErrorResponse } from './openapi-common.ts';

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
  security: [],
  responses: {
    200: {
      description: 'Prometheus text exposition format.',
      content: { 'text/plain': { schema: z.string() } },
    },
    ...clientErrorResponse,
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
  app.openapi(metricsRoute, async (c) => {
    const text = await deps.metrics.registry.metrics();
    return c.text(text, 200, { 'Content-Type': deps.metrics.registry.contentType });
  });
}
