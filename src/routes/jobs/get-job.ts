// GET /v1/jobs/{id} (operationId getJob): the status monitor, with ETag and long-poll.
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps } from '../../app-deps.ts';
import type { AppEnv } from '../../http/app-env.ts';
import { parsePreferWait } from '../../http/prefer-wait.ts';
import { jobNotFound } from '../../http/problem.ts';
import { isTerminal } from '../../jobs/job-status.ts';
import {
  authResponses,
  BEARER_SECURITY,
  ETAG,
  jobNotFoundResponse,
  LOCATION,
  PREFERENCE_APPLIED,
  PreferHeaderSchema,
  RETRY_AFTER,
  requiredHeader,
} from '../openapi-common.ts';
import { answerWithJob } from './job-answer.ts';
import { JobIdParamsSchema, JobSchema } from './schemas.ts';

export const getJobRoute = createRoute({
  method: 'get',
  path: '/v1/jobs/{id}',
  operationId: 'getJob',
  tags: ['jobs'],
  summary: 'Get a job (status monitor)',
  description:
    'While queued or running: 200 with Retry-After. Succeeded: 303 See Other to /v1/jobs/{id}/result (the body is the job). Failed or canceled: 200 with `error`. `If-None-Match` with the current ETag answers 304. `Prefer: wait=N` holds until the job changes or N seconds pass.',
  security: BEARER_SECURITY,
  request: {
    params: JobIdParamsSchema,
    headers: z.object({
      prefer: PreferHeaderSchema,
      'if-none-match': z
        .string()
        .optional()
        .openapi({
          param: { name: 'if-none-match', in: 'header' },
          description: 'An ETag from an earlier answer.',
        }),
    }),
  },
  responses: {
    200: {
      description: 'The job, queued, running, failed or canceled.',
      content: { 'application/json': { schema: JobSchema } },
      headers: {
        ETag: requiredHeader(ETAG),
        'Retry-After': { ...RETRY_AFTER, description: `${RETRY_AFTER.description} While queued or running.` },
        'Preference-Applied': PREFERENCE_APPLIED,
      },
    },
    303: {
      description: 'The job succeeded: its result is at Location.',
      content: { 'application/json': { schema: JobSchema } },
      headers: {
        Location: requiredHeader(LOCATION),
        ETag: requiredHeader(ETAG),
        'Preference-Applied': PREFERENCE_APPLIED,
      },
    },
    304: {
      // RFC 9110 §15.4.5: a 304 repeats the headers a 200/303 would have carried.
      description: 'Not modified since the ETag given in If-None-Match (no body).',
      headers: {
        ETag: requiredHeader(ETAG),
        'Retry-After': RETRY_AFTER,
        Location: { ...LOCATION, description: 'The result URL, when the job succeeded.' },
        'Preference-Applied': PREFERENCE_APPLIED,
      },
    },
    ...authResponses,
    ...jobNotFoundResponse,
  },
});

export function registerGetJob(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  app.openapi(getJobRoute, async (c) => {
    const ownerId = c.get('ownerId');
    const { id } = c.req.valid('param');
    let job = await deps.jobReader.find(ownerId, id);
    if (!job) throw jobNotFound();
    const wait = parsePreferWait(c.req.header('prefer'));
    const extra: Record<string, string> = {};
    if (wait !== undefined) {
      extra['Preference-Applied'] = `wait=${wait}`;
      if (!isTerminal(job.status)) {
        const changed = await deps.feed.waitForEvent(
          job.id,
          job.event_seq,
          wait * 1000,
          AbortSignal.any([c.req.raw.signal, deps.stopping]),
        );
        if (changed) job = (await deps.jobReader.find(ownerId, id)) ?? job;
      }
    }
    return answerWithJob(c, job, extra) as never;
  });
}
