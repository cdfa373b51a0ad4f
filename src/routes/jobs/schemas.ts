// The wire schemas of the job routes: they validate requests and generate the OpenAPI document.
import { z } from '@hono/zod-openapi';
import { JOB_STATUSES } from '../../jobs/job-status.ts';

export const JobStatusSchema = z.enum(JOB_STATUSES).openapi('JobStatus');

export const ProgressSchema = z
  .object({
    percent: z.number().min(0).max(100),
    message: z.string().nullable(),
    data: z.unknown().optional().openapi({ description: 'Handler-supplied JSON, if any.' }),
    updated_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Progress');

export const JobErrorSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    detail: z.string(),
    attempt: z.number().int().optional(),
  })
  .passthrough()
  .openapi('JobError', {
    description: 'RFC 9457 problem object describing why the job failed or was canceled.',
  });

export const MetadataSchema = z
  .record(z.string().min(1).max(40), z.string().max(500))
  .refine((m) => Object.keys(m).length <= 20, { message: 'metadata holds at most 20 keys' })
  .openapi('Metadata', {
    description: 'Up to 20 string values of at most 500 characters (keys up to 40), returned as given.',
  });

/** CONTRACT "Scheduling": how far ahead a job may be scheduled. */
export const MAX_RUN_AT_AHEAD_DAYS = 365;

export const RunAtSchema = z.iso
  .datetime({ offset: true })
  // Not a time is the format check's error alone (NaN is not "too far").
  .refine((v) => !(Date.parse(v) > Date.now() + MAX_RUN_AT_AHEAD_DAYS * 86_400_000), {
    message: `must be at most ${MAX_RUN_AT_AHEAD_DAYS} days ahead`,
  })
  .nullable()
  .optional()
  .openapi({
    description: `RFC 3339 with an offset: not started before it. Omitted, null or past: due now. At most ${MAX_RUN_AT_AHEAD_DAYS} days ahead.`,
  });

export const PrioritySchema = z.number().int().min(-100).max(100).optional().openapi({
  example: 0,
  description:
    "-100 to 100, default 0: among this owner's due jobs of the type, higher starts first; it never takes more than the owner's fair share.",
});

export const CallbackSchema = z
  .object({ url: z.string(), status: z.enum(['pending', 'delivered', 'retrying', 'failed']) })
  .openapi('Callback');

export const JobSchema = z
  .object({
    id: z.string().openapi({ example: '0b9c6f5e-4d51-4f7b-9d1e-2a7c8b9f0a11' }),
    type: z.string().openapi({ example: 'demo.sleep' }),
    status: JobStatusSchema,
    progress: ProgressSchema.nullable(),
    attempt: z.number().int().min(0),
    metadata: z.record(z.string(), z.string()),
    created_at: z.string().openapi({ format: 'date-time' }),
    started_at: z.string().nullable().openapi({ format: 'date-time' }),
    finished_at: z.string().nullable().openapi({ format: 'date-time' }),
    run_at: z.string().nullable().openapi({
      format: 'date-time',
      description: 'Not started before this time, as submitted; null when omitted.',
    }),
    priority: z.number().int().min(-100).max(100),
    error: JobErrorSchema.nullable(),
    callback: CallbackSchema.nullable(),
    links: z.object({
      self: z.string(),
      result: z.string().optional(),
      events: z.string(),
      cancel: z.string(),
    }),
  })
  .openapi('Job');

export const SubmitJobRequestSchema = z
  .object({
    type: z.string().min(1).openapi({ example: 'demo.sleep' }),
    input: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ example: { duration_ms: 5000, steps: 5 } }),
    callback_url: z
      .string()
      .max(2048)
      .optional()
      .openapi({ format: 'uri', example: 'https://example.com/hooks/jobs' }),
    metadata: MetadataSchema.optional(),
    run_at: RunAtSchema,
    priority: PrioritySchema,
  })
  .openapi('SubmitJobRequest');

export const SubmitBatchRequestSchema = z
  .object({
    jobs: z
      .array(SubmitJobRequestSchema)
      .min(1)
      .openapi({ description: '1 to MAX_BATCH_JOBS (default 1000) submit bodies, created all or nothing.' }),
  })
  .openapi('SubmitBatchRequest');

export const JobBatchSchema = z
  .object({ data: z.array(JobSchema).openapi({ description: 'The jobs, in request order.' }) })
  .openapi('JobBatch');

export const JobIdParamsSchema = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, description: 'The job id.' }),
});

export const ListJobsQuerySchema = z.object({
  status: JobStatusSchema.optional().openapi({ param: { name: 'status', in: 'query' } }),
  type: z
    .string()
    .min(1)
    .max(200)
    // PostgreSQL text cannot hold NUL: a filter with a control character is a 400, not a 500.
    .regex(/^\P{Cc}*$/u, 'control characters are not allowed')
    .optional()
    .openapi({ param: { name: 'type', in: 'query' } }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .openapi({ param: { name: 'limit', in: 'query' } }),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, 'not a cursor from next_cursor')
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' } }),
});

export const JobListSchema = z
  .object({ data: z.array(JobSchema), next_cursor: z.string().nullable() })
  .openapi('JobList');
