// Builds the app from its route definitions alone, without a database, queue or feed: for
// writing openapi.json and for the tests' conformance checks. The stubs throw if a request
// ever reaches them — this app is only asked for its document, never served.
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createApp } from '../app.ts';
import type { AppDeps } from '../app-deps.ts';
import { parseConfig } from '../config.ts';
import type { AppEnv } from '../http/app-env.ts';
import type { AnyJobType } from '../job-types/define-job-type.ts';
import { createRegistry } from '../job-types/registry.ts';
import { createLogger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { createOpenApiDocument, type OpenApiDocument } from './document-config.ts';

/**
 * The server URL written into the committed document: relative, so it means "the service that
 * serves this document" (a served /openapi.json names its own origin or PUBLIC_BASE_URL instead).
 */
export const DOCUMENT_SERVER_URL = '/';

function unavailable(name: string): never {
  return new Proxy(() => {}, {
    get: () => unavailable(name),
    apply: () => {
      throw new Error(`${name} is not available in the document-only app`);
    },
  }) as never;
}

export function createDocumentApp(jobTypes?: readonly AnyJobType[]): {
  app: OpenAPIHono<AppEnv>;
  deps: AppDeps;
} {
  const deps: AppDeps = {
    config: parseConfig({}),
    sql: unavailable('sql'),
    apiKeys: unavailable('apiKeys'),
    keyRevocations: unavailable('keyRevocations'),
    streams: unavailable('streams'),
    stopping: new AbortController().signal,
    boss: unavailable('boss'),
    feed: unavailable('feed'),
    jobReader: unavailable('jobReader'),
    registry: createRegistry(jobTypes),
    log: createLogger('silent'),
    metrics: createMetrics(),
    terminalHooks: [],
    checkCallbackUrl: unavailable('checkCallbackUrl'),
    readiness: unavailable('readiness'),
  };
  return { app: createApp(deps), deps };
}

export function buildOpenApiDocument(
  serverUrl = DOCUMENT_SERVER_URL,
  jobTypes?: readonly AnyJobType[],
): OpenApiDocument {
  const { app, deps } = createDocumentApp(jobTypes);
  return createOpenApiDocument(app, deps.registry, serverUrl);
}
