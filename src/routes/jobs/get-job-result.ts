// GET /v1/jobs/{id}/result (operationId getJobResult): the output, JSON or a file artifact.
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps } from '../../app-deps.ts';
import type { AppEnv } from '../../http/app-env.ts';
import { jobNotFound, ProblemError } from '../../http/problem.ts';
import { jobPath } from '../../jobs/job-resource.ts';
import { findOwnedJobResult } from '../../jobs/job-store.ts';
import { authResponses, BEARER_SECURITY, jobNotFoundResponse, problemResponse } from '../openapi-common.ts';
import { JobIdParamsSchema } from './schemas.ts';

export const getJobResultRoute = createRoute({
  method: 'get',
  path: '/v1/jobs/{id}/result',
  operationId: 'getJobResult',
  tags: ['jobs'],
  summary: "Get a job's result",
  description:
    "The output of a succeeded job: JSON (the type's output schema, see GET /v1/job-types), or the file a file-producing type made, with its own content type (e.g. text/csv for report.jobs_csv).",
  security: BEARER_SECURITY,
  request: { params: JobIdParamsSchema },
  responses: {
    200: {
      description: 'The result.',
      content: {
        'application/json': {
          schema: z.unknown().openapi('JobOutput', { description: 'The output, per job type.' }),
        },
        'text/csv': { schema: z.string() },
      },
    },
    ...authResponses,
    ...jobNotFoundResponse,
    409: problemResponse('Not finished yet (the `job` member holds the status URL), or failed or canceled.'),
    410: problemResponse(
      'The result is past RESULT_TTL_SECONDS and was deleted; the job itself is still readable.',
    ),
  },
});

export function registerGetJobResult(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  app.openapi(getJobResultRoute, async (c) => {
    const { id } = c.req.valid('param');
    const job = await findOwnedJobResult(deps.sql, c.get('ownerId'), id, deps.config.JOB_TTL_SECONDS);
    if (!job) throw jobNotFound();
    if (job.status === 'queued' || job.status === 'running') {
      throw new ProblemError('job-not-finished', `The job is ${job.status}; poll its status URL.`, {
        job: jobPath(id),
      });
    }
    if (job.status !== 'succeeded') {
      throw new ProblemError('job-not-succeeded', `The job ${job.status}; it has no result.`, {
        job: jobPath(id),
      });
    }
    const finishedAt = new Date(job.finished_at ?? job.created_at).getTime();
    if (job.result_purged_at || finishedAt + deps.config.RESULT_TTL_SECONDS * 1000 < Date.now()) {
      throw new ProblemError(
        'result-expired',
        `Results are kept ${deps.config.RESULT_TTL_SECONDS} s after the job finishes.`,
        {
          job: jobPath(id),
        },
      );
    }
    if (job.artifact) {
      return new Response(new Uint8Array(job.artifact), {
        status: 200,
        headers: { 'Content-Type': job.artifact_content_type ?? 'application/octet-stream' },
      }) as never;
    }
    return c.json(job.output as never, 200);
  });
}
