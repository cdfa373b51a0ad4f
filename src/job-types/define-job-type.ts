// What a job type is: a name, zod schemas for input and output, and a handler. Adding one is a
// file that calls defineJob and a line in registry.ts.
import type { z } from 'zod';
import type { Sql } from '../db/client.ts';

export interface JobLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface JobContext {
  /** Reports progress; coalesced, so calling it often is cheap. percent is clamped to 0..100 and never goes backwards. */
  progress(percent: number, message?: string, data?: unknown): void;
  /** Aborts on cancel, on timeout, or when this attempt has lost its claim on the job. */
  signal: AbortSignal;
  /** 1 for the first attempt. */
  attempt: number;
  jobId: string;
  ownerId: string;
  log: JobLogger;
  /** Read-only database access for job types that report on the service's own data. */
  services: JobServices;
}

export interface JobServices {
  /** The service's postgres.js pool, for job types that report on the service's own data. */
  sql: Sql;
}

export interface RetryPolicy {
  /** Attempts after the first one when the handler throws (0: never retried). */
  limit: number;
  delaySeconds?: number;
  backoff?: boolean;
}

export interface JobTypeDefinition<In extends z.ZodType = z.ZodType, Out extends z.ZodType = z.ZodType> {
  type: string;
  description: string;
  input: In;
  output: Out;
  /** Set for types whose result is a file: the handler returns its body and /result serves it with this type. */
  resultContentType?: string;
  handler: (input: z.infer<In>, ctx: JobContext) => Promise<z.infer<Out>>;
  timeoutSeconds?: number;
  retry?: RetryPolicy;
}

export type AnyJobType = JobTypeDefinition<z.ZodType, z.ZodType>;

export function defineJob<In extends z.ZodType, Out extends z.ZodType>(
  definition: JobTypeDefinition<In, Out>,
): JobTypeDefinition<In, Out> {
  if (!/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/.test(definition.type)) {
    throw new Error(`job type name "${definition.type}" must be lowercase words separated by dots`);
  }
  return definition;
}
