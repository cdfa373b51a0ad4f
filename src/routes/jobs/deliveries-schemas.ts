// Wire schemas of the callback delivery log routes.
import { z } from '@hono/zod-openapi';

export const DeliveryAttemptSchema = z
  .object({
    attempt: z.number().int().min(1),
    at: z.string().openapi({ format: 'date-time' }),
    status_code: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The receiver's HTTP status, null when none came back." }),
    error: z
      .string()
      .nullable()
      .openapi({ description: 'Network error, timeout or SSRF refusal; null when the receiver answered.' }),
    duration_ms: z.number().int().min(0),
    next_attempt_at: z.string().nullable().openapi({
      format: 'date-time',
      description: 'When the next automatic attempt is due, if one was scheduled.',
    }),
  })
  .openapi('DeliveryAttempt');

export const DeliveryListSchema = z.object({ data: z.array(DeliveryAttemptSchema) }).openapi('DeliveryList');

export const RedeliveryAcceptedSchema = z
  .object({
    webhook_id: z.string().openapi({ description: 'The event being sent again (the `webhook-id` header).' }),
  })
  .openapi('RedeliveryAccepted');
