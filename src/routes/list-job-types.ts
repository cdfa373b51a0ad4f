// GET /v1/job-types (operationId listJobTypes): the registered types with their JSON Schemas.
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps } from '../app-deps.ts';
import type { AppEnv } from '../http/app-env.ts';
import type { AnyJobType } from '../job-types/define-job-type.ts';
import { authResponses, BEARER_SECURITY } from './openapi-common.ts';

const JobTypeSchema = z
  .object({
    type: z.string(),
    description: z.string(),
    input_schema: z.record(z.string(), z.unknown()),
    output_schema: z.record(z.string(), z.unknown()),
    result_content_type: z.string(),
  })
  .openapi('JobType');

export function describeJobType(t: AnyJobType) {
  const output = z.toJSONSchema(t.output, { io: 'output', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return {
    type: t.type,
    description: t.description,
    input_schema: z.toJSONSchema(t.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
    output_schema: t.resultContentType ? { ...output, contentMediaType: t.resultContentType } : output,
    result_content_type: t.resultContentType ?? 'application/json',
  };
}

export const listJobTypesRoute = createRoute({
  method: 'get',
  path: '/v1/job-types',
  operationId: 'listJobTypes',
  tags: ['job types'],
  summary: 'List the job types',
  security: BEARER_SECURITY,
  responses: {
    200: {
      description: 'The registered job types.',
      content: {
        'application/json': { schema: z.object({ data: z.array(JobTypeSchema) }).openapi('JobTypeList') },
      },
    },
    ...authResponses,
  },
});

export function registerListJobTypes(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  const body = { data: [...deps.registry.values()].map(describeJobType) };
  app.openapi(listJobTypesRoute, (c) => c.json(body as never, 200));
}
