// createApp(deps): middleware order, routes, errors as problem+json, and /openapi.json + /docs.
import { OpenAPIHono } from '@hono/zod-openapi';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { requestId } from 'hono/request-id';
import type { AppDeps } from './app-deps.ts';
import { createDashboard } from './dashboard/index.ts';
import type { AppEnv } from './http/app-env.ts';
import { requireAdminToken, requireApiKey } from './http/auth.ts';
import { jsonBody } from './http/json-body.ts';
import { ProblemError, problem, toFieldErrors } from './http/problem.ts';
import { createErrorHandler, problemJson } from './http/problem-response.ts';
import { logRequests } from './observability/request-log.ts';
import { callbackWebhook } from './openapi/callback-webhook.ts';
import { createOpenApiDocument } from './openapi/document-config.ts';
import { getApiReferenceRoute, getOpenApiDocumentRoute } from './openapi/service-document-routes.ts';
import { createApiKeyRoute, registerAdminApiKeys, revokeApiKeyRoute } from './routes/admin-api-keys.ts';
import { registerApiReference } from './routes/api-reference.ts';
import { registerCancelJob } from './routes/jobs/cancel-job.ts';
import { registerGetJob } from './routes/jobs/get-job.ts';
import { registerGetJobResult } from './routes/jobs/get-job-result.ts';
import { registerListDeliveries } from './routes/jobs/list-deliveries.ts';
import { registerListJobs } from './routes/jobs/list-jobs.ts';
import { registerRedeliverCallback } from './routes/jobs/redeliver-callback.ts';
import { registerStreamJobEvents } from './routes/jobs/stream-job-events.ts';
import { registerSubmitBatch } from './routes/jobs/submit-batch.ts';
import { registerSubmitJob } from './routes/jobs/submit-job.ts';
import { invalidIdempotencyKey } from './routes/jobs/submit-problem.ts';
import { registerListJobTypes } from './routes/list-job-types.ts';
import { registerOpenWebSocket } from './routes/open-websocket.ts';
import { registerServiceRoutes } from './routes/service.ts';
import { registerGetWebhookSecret } from './routes/webhook-secret/get-webhook-secret.ts';
import { registerRotateWebhookSecret } from './routes/webhook-secret/rotate-webhook-secret.ts';

export { OPENAPI_INFO } from './openapi/document-config.ts';

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({
    // zod failures: 422 with JSON Pointers for bodies, 400 for query strings and headers.
    defaultHook: (result) => {
      if (result.success) return;
      const issues = result.error.issues;
      if (result.target === 'json') {
        throw new ProblemError('validation-failed', 'The request body is invalid.', {
          errors: toFieldErrors(issues),
        });
      }
      throw new ProblemError(
        result.target === 'query' ? 'invalid-query' : 'invalid-header',
        'The request is invalid.',
        {
          errors: toFieldErrors(issues, result.target === 'query' ? '' : `/${result.target}`),
        },
      );
    },
  });

  // X-Request-Id: the client's (when it is a plain token of at most 255 characters) or a new
  // UUID, echoed on the answer and carried by the request's log line.
  app.use('*', requestId());
  app.use('*', logRequests(deps.log));
  app.use('*', async function recordMetrics(c, next) {
    const started = performance.now();
    await next();
    const route = c.req.routePath;
    deps.metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    deps.metrics.httpDuration.observe({ method: c.req.method, route }, (performance.now() - started) / 1000);
  });

  // RFC 9110 §15.5.6: a known path with a method it does not have is a 405 with Allow, not a 404.
  app.use(
    '*',
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        problemJson(
          problem('method-not-allowed', `${c.req.method} is not allowed here; use ${methods.join(', ')}.`),
          { Allow: methods.join(', ') },
        ),
    }),
  );
  app.use('/v1/*', requireApiKey(deps.apiKeys));
  // The Idempotency-Key header is checked before the body, so a bad key is a 400 whatever the body.
  for (const path of ['/v1/jobs', '/v1/jobs/batch']) {
    app.post(
      path,
      async function checkIdempotencyKeyHeader(c, next) {
        const badKey = invalidIdempotencyKey(c.req.header('idempotency-key'));
        if (badKey) throw badKey;
        await next();
      },
      jsonBody(deps.config.MAX_BODY_BYTES),
    );
  }

  const adminToken = deps.config.ADMIN_TOKEN;
  if (adminToken) {
    app.use('/admin/*', requireAdminToken(adminToken));
    app.post('/admin/*', jsonBody(deps.config.MAX_BODY_BYTES));
  }

  registerSubmitJob(app, deps);
  registerSubmitBatch(app, deps);
  registerGetJob(app, deps);
  registerGetJobResult(app, deps);
  registerCancelJob(app, deps);
  registerListJobs(app, deps);
  registerStreamJobEvents(app, deps);
  registerOpenWebSocket(app, deps);
  registerListJobTypes(app, deps);
  registerListDeliveries(app, deps);
  registerRedeliverCallback(app, deps);
  registerGetWebhookSecret(app, deps);
  registerRotateWebhookSecret(app, deps);
  if (adminToken) registerAdminApiKeys(app, deps);
  else {
    // Disabled admin API: its paths answer 404 (notFound), but stay in the document so that it
    // does not depend on the environment (the committed openapi.json and the SDK are built from it).
    app.openAPIRegistry.registerPath(createApiKeyRoute);
    app.openAPIRegistry.registerPath(revokeApiKeyRoute);
  }
  registerServiceRoutes(app, deps);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key: `npm run apikey -- create <owner>` or POST /admin/api-keys.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The ADMIN_TOKEN the service was started with.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'metricsToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The METRICS_TOKEN the service was started with (only when it is set).',
  });
  app.openAPIRegistry.registerWebhook(callbackWebhook);
  app.openAPIRegistry.registerPath(getOpenApiDocumentRoute);
  app.openAPIRegistry.registerPath(getApiReferenceRoute);
  app.get('/openapi.json', (c) =>
    c.json(
      createOpenApiDocument(app, deps.registry, deps.config.PUBLIC_BASE_URL ?? new URL(c.req.url).origin),
    ),
  );
  registerApiReference(app);
  // The operator dashboard acts through this app's own API (in process), hence `app` itself.
  app.route('/dashboard', createDashboard(app, deps));

  app.notFound(() => problemJson(problem('not-found', 'No such route.')));
  app.onError(createErrorHandler(deps.log));
  return app;
}
