// The TypeScript SDK of the Async Jobs API: `import { createJobsClient } from 'async-jobs/sdk'`.
// Types come from sdk/generated/schema.d.ts (npm run sdk:generate); the rest is hand-written.
export type {
  CallbackEvent,
  Job,
  JobBatch,
  JobList,
  JobResult,
  JobStatus,
  ListJobsQuery,
  Problem,
  Progress,
  SubmitBatchRequest,
  SubmitJobRequest,
} from './api-types.ts';
export { readEventStream, type ServerSentEvent } from './event-stream.ts';
export type { components, operations, paths, webhooks } from './generated/schema.js';
export { JobFailedError, JobsApiError } from './jobs-api-error.ts';
export {
  createJobsClient,
  type JobStatusAnswer,
  type JobsClient,
  type JobsClientOptions,
  type SubmitOptions,
  type WaitOptions,
} from './jobs-client.ts';
export { verifyCallback } from './verify-callback.ts';
