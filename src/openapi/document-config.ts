// The top of the OpenAPI 3.1 document (info, servers, tags, security) and its assembly: the
// paths come from the routes' createRoute definitions, then the per-type submit schemas are
// added from the job-type registry. Served at /openapi.json and written by `npm run openapi:write`.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../http/app-env.ts';
import type { JobTypeRegistry } from '../job-types/registry.ts';
import { addJobTypeSchemas } from './job-type-schemas.ts';

export const OPENAPI_INFO = {
  title: 'Async Jobs API',
  version: '1.0.0',
  description:
    'Asynchronous request-reply: submit work, get 202 with a status URL, poll it (or follow it over SSE / WebSocket), and get a 303 to the result; optional signed callbacks (Standard Webhooks).',
  license: { name: 'MIT', identifier: 'MIT' },
};

const TAGS = [
  { name: 'jobs', description: 'Submit jobs, follow them, fetch their results.' },
  { name: 'job types', description: 'The kinds of work this service runs and their schemas.' },
  { name: 'callbacks', description: 'Signed callbacks (Standard Webhooks): deliveries and secrets.' },
  { name: 'realtime', description: 'Server-Sent Events and WebSocket streams of job events.' },
  { name: 'admin', description: 'API key management, enabled only when ADMIN_TOKEN is set.' },
  { name: 'service', description: 'Health, readiness, metrics and this document.' },
];

export type OpenApiDocument = ReturnType<OpenAPIHono<AppEnv>['getOpenAPI31Document']>;

/** The whole document for a server reachable at `serverUrl`. */
export function createOpenApiDocument(
  app: OpenAPIHono<AppEnv>,
  registry: JobTypeRegistry,
  serverUrl: string,
): OpenApiDocument {
  const doc = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: OPENAPI_INFO,
    servers: [{ url: serverUrl, description: 'This service' }],
    security: [{ bearerAuth: [] }],
    // Only the tags some operation uses: routes merged from other branches bring their own.
    tags: TAGS,
  });
  const used = new Set<string>();
  for (const item of Object.values({ ...doc.paths, ...doc.webhooks })) {
    for (const op of Object.values(item ?? {})) {
      for (const tag of (op as { tags?: string[] }).tags ?? []) used.add(tag);
    }
  }
  doc.tags = TAGS.filter((t) => used.has(t.name));
  return addJobTypeSchemas(doc, registry);
}
