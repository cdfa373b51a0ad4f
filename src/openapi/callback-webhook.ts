// The callback the service POSTs to a job's callback_url, documented in the OpenAPI 3.1
// `webhooks` section: Standard Webhooks headers and the { type, timestamp, data: Job } body.
import { createRoute, z } from '@hono/zod-openapi';
import { JobSchema } from '../routes/jobs/schemas.ts';

export const CallbackEventSchema = z
  .object({
    type: z.enum(['job.succeeded', 'job.failed', 'job.canceled']),
    timestamp: z.string().openapi({ format: 'date-time', description: 'When the event was created.' }),
    data: JobSchema,
  })
  .openapi('CallbackEvent', {
    description: 'Fixed when the event is created: every retry and redelivery sends the same bytes.',
  });

const headerParam = (name: string, description: string, example: string) =>
  z.string().openapi({ param: { name, in: 'header', required: true }, description, example });

export const callbackWebhook = createRoute({
  method: 'post',
  path: 'jobFinished',
  operationId: 'receiveJobCallback',
  tags: ['callbacks'],
  summary: 'Job finished (callback to your callback_url)',
  description:
    'Sent when a job with a callback_url reaches a terminal status. Verify the signature with any Standard Webhooks library (e.g. `verifyCallback` in the SDK, or the `standardwebhooks` package) using your webhook secret from GET /v1/webhook-secret. No redirect is followed.',
  security: [],
  request: {
    headers: z.object({
      'webhook-id': headerParam(
        'webhook-id',
        'Unique per event, identical across retries of it: deduplicate on it.',
        'msg_2b1c9a7e',
      ),
      'webhook-timestamp': headerParam('webhook-timestamp', 'Unix seconds of this attempt.', '1735689600'),
      'webhook-signature': headerParam(
        'webhook-signature',
        '`v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`; several, space-separated, while a secret rotation overlaps.',
        'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
      ),
    }),
    body: { required: true, content: { 'application/json': { schema: CallbackEventSchema } } },
  },
  responses: {
    200: { description: 'Any 2xx answer is delivery.' },
    400: {
      description:
        'A 4xx other than 408, 425 and 429 is final: not retried. Network errors, timeouts, 3xx, 408, 425, 429 and 5xx are retried (CALLBACK_RETRY_SCHEDULE).',
    },
  },
});
