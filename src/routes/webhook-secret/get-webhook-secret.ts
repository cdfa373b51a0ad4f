// GET /v1/webhook-secret (operationId getWebhookSecret): the owner's signing secrets, created on
// first use. Secrets go to their owner only and are never logged.
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../../app-deps.ts';
import type { AppEnv } from '../../http/app-env.ts';
import { createSecretCipher } from '../../webhooks/secret-cipher.ts';
import { ensureOwnerSecrets } from '../../webhooks/secret-store.ts';
import { authResponses, BEARER_SECURITY } from '../openapi-common.ts';
import { toSecretList, WebhookSecretListSchema } from './schemas.ts';

export const getWebhookSecretRoute = createRoute({
  method: 'get',
  path: '/v1/webhook-secret',
  operationId: 'getWebhookSecret',
  tags: ['callbacks'],
  summary: 'Get your webhook signing secrets',
  description:
    'The secrets that sign your callbacks (Standard Webhooks), newest first: one, or two during a rotation overlap. The first call creates your secret.',
  security: BEARER_SECURITY,
  responses: {
    200: {
      description: 'The live secrets.',
      content: { 'application/json': { schema: WebhookSecretListSchema } },
    },
    ...authResponses,
  },
});

export function registerGetWebhookSecret(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  const cipher = createSecretCipher(deps.config.WEBHOOK_SECRET_ENCRYPTION_KEY);
  app.openapi(getWebhookSecretRoute, async (c) => {
    const secrets = await ensureOwnerSecrets(deps.sql, c.get('ownerId'), cipher);
    c.header('Cache-Control', 'no-store');
    return c.json(toSecretList(secrets), 200);
  });
}
