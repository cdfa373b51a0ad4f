// Wire schema of the webhook secret routes.
import { z } from '@hono/zod-openapi';

export const WebhookSecretListSchema = z
  .object({
    secrets: z.array(
      z.object({
        secret: z.string().openapi({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
        created_at: z.string().openapi({ format: 'date-time' }),
        expires_at: z.string().nullable().openapi({
          format: 'date-time',
          description: 'When a rotated-out secret stops signing; null for the current one.',
        }),
      }),
    ),
  })
  .openapi('WebhookSecretList', { description: 'The secrets that sign your callbacks now, newest first.' });

export function toSecretList(secrets: { secret: string; createdAt: string; expiresAt: string | null }[]) {
  return {
    secrets: secrets.map((s) => ({ secret: s.secret, created_at: s.createdAt, expires_at: s.expiresAt })),
  };
}
