// POST /v1/webhook-secret/rotate (operationId rotateWebhookSecret): a new secret signs from now
// on; the previous one keeps signing alongside it for WEBHOOK_SECRET_OVERLAP_SECONDS.
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../../app-deps.ts';
import type { AppEnv } from '../../http/app-env.ts';
import { createSecretCipher } from '../../webhooks/secret-cipher.ts';
import { rotateOwnerSecret } from '../../webhooks/secret-store.ts';
import { authResponses, BEARER_SECURITY } from '../openapi-common.ts';
import { toSecretList, WebhookSecretListSchema } from './schemas.ts';

export const rotateWebhookSecretRoute = createRoute({
  method: 'post',
  path: '/v1/webhook-secret/rotate',
  operationId: 'rotateWebhookSecret',
  tags: ['callbacks'],
  summary: 'Rotate your webhook signing secret',
  description:
    'Creates a new secret. Until the previous one expires (`expires_at`, WEBHOOK_SECRET_OVERLAP_SECONDS from now) callbacks carry two signatures, one per secret, so receivers can switch without missing a callback. No body is needed.',
  security: BEARER_SECURITY,
  responses: {
    201: {
      description: 'Rotated: the live secrets, the new one first.',
      content: { 'application/json': { schema: WebhookSecretListSchema } },
    },
    ...authResponses,
  },
});

export function registerRotateWebhookSecret(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  const cipher = createSecretCipher(deps.config.WEBHOOK_SECRET_ENCRYPTION_KEY);
  app.openapi(rotateWebhookSecretRoute, async (c) => {
    const secrets = await rotateOwnerSecret(
      deps.sql,
      c.get('ownerId'),
      cipher,
      deps.config.WEBHOOK_SECRET_OVERLAP_SECONDS,
    );
    c.header('Cache-Control', 'no-store');
    return c.json(toSecretList(secrets), 201);
  });
}
