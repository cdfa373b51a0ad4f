// GET /v1/jobs (operationId listJobs): the owner's jobs, newest first, cursor-paginated by
// insertion order so pages stay stable while jobs are being added.
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../../app-deps.ts';
import type { AppEnv } from '../../http/app-env.ts';
import { ProblemError } from '../../http/problem.ts';
import { toJobResource } from '../../jobs/job-resource.ts';
import { listOwnedJobs } from '../../jobs/job-store.ts';
import { authResponses, BEARER_SECURITY, problemResponse } from '../openapi-common.ts';
import { JobListSchema, ListJobsQuerySchema } from './schemas.ts';

const encodeCursor = (seq: string) => Buffer.from(`s${seq}`).toString('base64url');
function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString();
  // seq is a bigint: a longer number would be out of range in Postgres (a 500), not a cursor.
  if (!/^s\d{1,19}$/.test(text) || BigInt(text.slice(1)) > 9_223_372_036_854_775_807n) {
    throw new ProblemError('invalid-query', 'The query is invalid.', {
      errors: [{ pointer: '/cursor', detail: 'not a cursor from next_cursor' }],
    });
  }
  return text.slice(1);
}

export const listJobsRoute = createRoute({
  method: 'get',
  path: '/v1/jobs',
  operationId: 'listJobs',
  tags: ['jobs'],
  summary: 'List your jobs',
  description: 'Newest first. Pass `next_cursor` back as `cursor` for the next page; null on the last page.',
  security: BEARER_SECURITY,
  request: { query: ListJobsQuerySchema },
  responses: {
    200: { description: 'A page of jobs.', content: { 'application/json': { schema: JobListSchema } } },
    400: problemResponse('An invalid query value (see `errors`).'),
    ...authResponses,
  },
});

export function registerListJobs(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  app.openapi(listJobsRoute, async (c) => {
    const query = c.req.valid('query');
    const rows = await listOwnedJobs(
      deps.sql,
      c.get('ownerId'),
      {
        status: query.status,
        type: query.type,
        limit: query.limit,
        beforeSeq: query.cursor ? decodeCursor(query.cursor) : undefined,
      },
      deps.config.JOB_TTL_SECONDS,
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return c.json(
      {
        data: page.map((r) => toJobResource(r)),
        next_cursor: rows.length > query.limit && last ? encodeCursor(String(last.seq)) : null,
      },
      200,
    );
  });
}
