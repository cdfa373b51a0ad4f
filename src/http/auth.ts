// Bearer authentication: API key → owner for /v1/*, ADMIN_TOKEN for /admin/*.
import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ApiKeyCache } from '../identity/api-key-cache.ts';
import type { AppEnv } from './app-env.ts';
import { ProblemError } from './problem.ts';

// RFC 6750 §2.1: b64token syntax.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function bearerToken(header: string | undefined): string | undefined {
  return header ? BEARER.exec(header)?.[1] : undefined;
}

export function unauthorized(
  detail = 'A valid API key is required: Authorization: Bearer <api key>.',
): ProblemError {
  // RFC 6750 §3: a 401 carries WWW-Authenticate naming the scheme.
  return new ProblemError('unauthorized', detail, {}, { 'WWW-Authenticate': 'Bearer realm="async-jobs"' });
}

export function requireApiKey(keys: ApiKeyCache): MiddlewareHandler<AppEnv> {
  return async function apiKeyAuth(c, next) {
    const token = bearerToken(c.req.header('authorization'));
    const ownerId = token ? await keys.ownerOf(token) : undefined;
    if (!ownerId) throw unauthorized();
    c.set('ownerId', ownerId);
    await next();
  };
}

export function isSameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function requireAdminToken(adminToken: string): MiddlewareHandler {
  return async function adminAuth(c, next) {
    const token = bearerToken(c.req.header('authorization'));
    if (!token || !isSameSecret(token, adminToken)) throw unauthorized('A valid admin token is required.');
    await next();
  };
}
