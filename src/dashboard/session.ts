// Dashboard sign-in: the API key lives in an HttpOnly, SameSite=Strict cookie scoped to
// /dashboard, so page scripts never see it and other sites' requests never carry it. Every page
// resolves it to its owner through the same key cache the API uses (a revoked key signs out).
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ApiKeyCache } from '../identity/api-key-cache.ts';
import type { DashboardEnv } from './dashboard-env.ts';

export const SESSION_COOKIE = 'jobs_dashboard_key';
const SESSION_SECONDS = 8 * 3600;

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

export function startSession(c: Context, apiKey: string): void {
  setCookie(c, SESSION_COOKIE, apiKey, {
    path: '/dashboard',
    httpOnly: true,
    sameSite: 'Strict',
    secure: isHttps(c),
    maxAge: SESSION_SECONDS,
  });
}

export function endSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/dashboard', secure: isHttps(c) });
}

/** Pages behind sign-in: sets apiKey and ownerId, or sends the browser to the sign-in page. */
export function requireSession(keys: ApiKeyCache): MiddlewareHandler<DashboardEnv> {
  return async function dashboardSession(c, next) {
    const apiKey = getCookie(c, SESSION_COOKIE);
    const ownerId = apiKey ? await keys.ownerOf(apiKey) : undefined;
    if (!apiKey || !ownerId) {
      if (apiKey) endSession(c);
      return c.redirect('/dashboard/login', 303);
    }
    c.set('apiKey', apiKey);
    c.set('ownerId', ownerId);
    await next();
  };
}
