// The status monitor's answer for a job, shared by GET /v1/jobs/{id} and Prefer: wait on submit:
// 200 + Retry-After while pending, 303 See Other to the result once succeeded (RFC 9110 §15.4.4:
// the client GETs the result), 200 with `error` once failed or canceled; ETag on all of them.
import type { Context } from 'hono';
import { etagOf, matchesIfNoneMatch } from '../../http/etag.ts';
import { toJobResource } from '../../jobs/job-resource.ts';
import { isTerminal } from '../../jobs/job-status.ts';
import type { JobRow } from '../../jobs/job-store.ts';
import { jobRetryAfterSeconds } from './job-retry-after.ts';

export function answerWithJob(c: Context, row: JobRow, extraHeaders: Record<string, string> = {}): Response {
  const resource = toJobResource(row);
  const body = JSON.stringify(resource);
  const etag = etagOf(body);
  const headers: Record<string, string> = { ETag: etag, ...extraHeaders };
  if (!isTerminal(row.status)) headers['Retry-After'] = String(jobRetryAfterSeconds(row));
  if (row.status === 'succeeded' && resource.links.result) headers.Location = resource.links.result;
  // RFC 9110 §13.1.2: If-None-Match yields 304 only for GET/HEAD (a POST with Prefer: wait never does).
  const conditional = c.req.method === 'GET' || c.req.method === 'HEAD';
  // Through the context (not `new Response`), so headers set by middleware (X-Request-Id) join
  // these without the answer being rebuilt afterwards.
  if (conditional && matchesIfNoneMatch(c.req.header('if-none-match'), etag)) {
    // RFC 9110 §15.4.5: a 304 repeats ETag and the caching-related headers, with no body.
    return c.body(null, 304, headers);
  }
  return c.body(body, row.status === 'succeeded' ? 303 : 200, {
    'Content-Type': 'application/json',
    ...headers,
  });
}
