// One log line per answered request: method, route template (never the raw path, which holds
// job ids), status, duration, owner and request id. Runs outermost, after the request-id middleware.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/app-env.ts';
import type { Logger } from './logger.ts';

export function logRequests(log: Logger): MiddlewareHandler<AppEnv> {
  return async function requestLog(c, next) {
    const started = performance.now();
    await next();
    // Answers built outside the context (problem+json from onError) miss the header hono set.
    const id = c.get('requestId');
    if (id && !c.res.headers.has('x-request-id')) {
      try {
        c.res.headers.set('X-Request-Id', id);
      } catch {
        // Immutable headers (a fetched Response): copy it. Otherwise avoided: reading `body`
        // turns @hono/node-server's lightweight answer into a full web Response.
        c.res = new Response(c.res.body, c.res);
        c.res.headers.set('X-Request-Id', id);
      }
    }
    const status = c.res.status;
    const fields = {
      request_id: id,
      method: c.req.method,
      route: c.req.routePath,
      status,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
      owner_id: c.get('ownerId') ?? null,
    };
    if (status >= 500) log.error('request', fields);
    else log.info('request', fields);
  };
}
