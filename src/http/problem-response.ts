// Turns anything thrown while answering into an RFC 9457 application/problem+json response.
// A ProblemError goes out as it is, hono's HTTPException as the matching problem, and anything
// else as a generic 500 logged once — never the error's own message.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { isDatabaseUnavailable } from '../db/database-errors.ts';
import type { Logger } from '../observability/logger.ts';
import { type Problem, ProblemError, problem } from './problem.ts';

/** Retry-After of a 503 during a database outage: about one reconnect attempt. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

export function problemJson(p: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(p), {
    status: p.status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  });
}

export function createErrorHandler(log: Logger) {
  return function handleError(error: Error, c: Context): Response {
    if (error instanceof ProblemError) return problemJson(error.problem, error.headers);
    if (error instanceof HTTPException) {
      const status = error.status;
      if (status === 413) return problemJson(problem('payload-too-large', 'The request body is too large.'));
      if (status === 401)
        return problemJson(problem('unauthorized', 'Unauthorized.'), { 'WWW-Authenticate': 'Bearer' });
      if (status < 500) {
        return problemJson({ ...problem('bad-request', error.message || 'Bad request.'), status });
      }
    }
    // An outage is not a bug: the client may try again shortly (RFC 9110 §15.6.4, §10.2.3).
    if (isDatabaseUnavailable(error)) {
      log.warn('database unavailable', { method: c.req.method, path: c.req.path, error: String(error) });
      return problemJson(
        problem('unavailable', 'The database is unreachable for the moment; try again shortly.'),
        { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS) },
      );
    }
    log.error('unhandled error', {
      request_id: c.get('requestId'),
      method: c.req.method,
      route: c.req.routePath,
      error, // serialized with its stack trace
    });
    return problemJson(problem('internal', 'Something went wrong on our side; it has been logged.'));
  };
}
