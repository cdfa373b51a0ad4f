// Starts the real service (HTTP on 127.0.0.1, pg-boss workers) on a fresh database, and makes
// owners with API keys for tests: a fresh tenant per test instead of cleanup.
import { randomBytes } from 'node:crypto';
import { type Config, parseConfig } from '../../src/config.ts';
import { createSql, type Sql } from '../../src/db/client.ts';
import { createApiKey } from '../../src/identity/api-key-store.ts';
import { builtInJobTypes } from '../../src/job-types/registry.ts';
import { createLogger, type Logger } from '../../src/observability/logger.ts';
import { type RunningService, startService } from '../../src/service.ts';
import type { Resolver } from '../../src/webhooks/destination.ts';
import { createTestDatabase } from './database.ts';
import { registerServiceOrigin, unregisterServiceOrigin } from './service-origins.ts';
import { testJobTypes } from './test-job-types.ts';

/** A Response whose json() is loosely typed: tests assert on its shape, or parse it with a schema. */
// biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies and assert on them
export type TestResponse = Omit<Response, 'json'> & { json(): Promise<any> };

export interface TestOwner {
  ownerId: string;
  key: string;
  /** fetch against the service with this owner's key; never follows redirects. */
  fetch(path: string, init?: RequestInit & { json?: unknown }): Promise<TestResponse>;
}

export interface TestService {
  url: string;
  databaseUrl: string;
  service: RunningService;
  sql: Sql;
  newOwner(prefix?: string): Promise<TestOwner>;
  stop(): Promise<void>;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return parseConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    WORKER_CONCURRENCY: '8',
    ...overrides,
  });
}

export function authedFetch(baseUrl: string, key: string) {
  return (path: string, init: RequestInit & { json?: unknown } = {}): Promise<TestResponse> => {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization')) headers.set('authorization', `Bearer ${key}`);
    let body = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
    return fetch(`${baseUrl}${path}`, { ...init, headers, body, redirect: 'manual' });
  };
}

export async function startTestService(
  overrides: Record<string, string> = {},
  options: { databaseUrl?: string; resolver?: Resolver; log?: Logger } = {},
): Promise<TestService> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const config = testConfig(overrides);
  const service = await startService({
    config,
    databaseUrl,
    log: options.log ?? createLogger(config.LOG_LEVEL),
    jobTypes: [...builtInJobTypes, ...testJobTypes],
    ...(options.resolver ? { resolver: options.resolver } : {}),
  });
  const url = service.url;
  if (!url) throw new Error('the test service has no HTTP server (ROLE=worker?)');
  // Its answers are checked against the OpenAPI document (conformance-setup.ts).
  registerServiceOrigin(url);
  const sql = createSql(databaseUrl, { max: 4 });
  return {
    url,
    databaseUrl,
    service,
    sql,
    async newOwner(prefix = 'owner') {
      const ownerId = `${prefix}_${randomBytes(5).toString('hex')}`;
      const { key } = await createApiKey(sql, ownerId);
      return { ownerId, key, fetch: authedFetch(url, key) };
    },
    async stop() {
      unregisterServiceOrigin(url);
      await service.stop();
      await sql.end();
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false, or throws after timeoutMs. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
  intervalMs = 25,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
