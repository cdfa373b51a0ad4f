// Admin API (only when ADMIN_TOKEN is set; otherwise these paths answer 404):

// POST /admin/api-keys (createApiKey) and DELETE /admin/api-keys/{id} (revokeApiKey).
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps } from '../app-deps.ts';
import type { AppEnv } from '../http/app-env.ts';
import { ProblemError } from '../http/problem.ts';
import { createApiKey, OWNER_ID_PATTERN, revokeApiKey } from '../identity/api-key-store.ts';
import { authResponses, problemResponse } from './openapi-common.ts';

const CreateApiKeyRequestSchema = z
  .object({
    owner: z.string().regex(OWNER_ID_PATTERN, 'letters, digits, _ . - (1 to 64, starting alphanumeric)'),
  })
  .openapi('CreateApiKeyRequest');
const CreatedApiKeySchema = z
  .object({
    id: z.string(),
    owner: z.string(),
    key: z.string().openapi({ description: 'Shown only in this answer.' }),
  })
  .openapi('CreatedApiKey');

const ADMIN_SECURITY = [{ adminToken: [] }];

export const createApiKeyRoute = createRoute({
  method: 'post',
  path: '/admin/api-keys',
  operationId: 'createApiKey',
  tags: ['admin'],
  summary: 'Create an API key',
  description: 'Creates the owner if needed. The key is shown only in this answer; only its hash is stored.',
  security: ADMIN_SECURITY,
  request: {
    body: { required: true, content: { 'application/json': { schema: CreateApiKeyRequestSchema } } },
  },
  responses: {
    201: { description: 'Created.', content: { 'application/json': { schema: CreatedApiKeySchema } } },
    400: problemResponse('Malformed JSON.'),
    ...authResponses,
    404: problemResponse('The admin API is disabled (ADMIN_TOKEN unset).'),
    413: problemResponse('The body is too large.'),
    415: problemResponse('The body is not application/json.'),
    422: problemResponse('Invalid owner.'),
  },
});

export const revokeApiKeyRoute = createRoute({
  method: 'delete',
  path: '/admin/api-keys/{id}',
  operationId: 'revokeApiKey',
  tags: ['admin'],
  summary: 'Revoke an API key',
  security: ADMIN_SECURITY,
  request: { params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: {
    204: { description: 'Revoked: the key answers 401 from now on.' },
    ...authResponses,
    404: problemResponse('No such key, or the admin API is disabled.'),
  },
});

export function registerAdminApiKeys(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  app.openapi(createApiKeyRoute, async (c) => {
    const created = await createApiKey(deps.sql, c.req.valid('json').owner);
    deps.log.info('api key created', { key_id: created.id, owner: created.owner });
    return c.json(created, 201);
  });
  app.openapi(revokeApiKeyRoute, async (c) => {
    const revoked = await revokeApiKey(deps.sql, c.req.valid('param').id);
    deps.apiKeys.clear(); // this process at once; others on the NOTIFY
    if (!revoked) {
      throw new ProblemError('not-found', 'No such API key.');
    }
    return c.body(null, 204);
  });
}
