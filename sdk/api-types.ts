// Names for the generated OpenAPI types the SDK's surface uses (sdk/generated/schema.d.ts).
import type { components, operations } from './generated/schema.js';

type Schemas = components['schemas'];
export type Job = Schemas['Job'];
export type JobStatus = Schemas['JobStatus'];
export type Progress = Schemas['Progress'];
export type Problem = Schemas['Problem'];
export type JobList = Schemas['JobList'];
export type SubmitJobRequest = Schemas['SubmitJobRequest'];
export type SubmitBatchRequest = Schemas['SubmitBatchRequest'];
export type JobBatch = Schemas['JobBatch'];
export type CallbackEvent = Schemas['CallbackEvent'];
export type ListJobsQuery = NonNullable<operations['listJobs']['parameters']['query']>;

/** A job's result: parsed JSON for JSON outputs, text for text/* artifacts, bytes otherwise. */
export interface JobResult {
  contentType: string;
  value: unknown;
}
