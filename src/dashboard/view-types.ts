// The API's shapes as the dashboard reads them (the same zod schemas that validate the API).
import type { z } from 'zod';
import type { DeliveryAttemptSchema } from '../routes/jobs/deliveries-schemas.ts';
import type { JobSchema } from '../routes/jobs/schemas.ts';

export type Job = z.infer<typeof JobSchema>;
export type DeliveryAttempt = z.infer<typeof DeliveryAttemptSchema>;

export interface JobTypeInfo {
  type: string;
  description: string;
  input_schema: Record<string, unknown>;
}
