// The errors the SDK throws: the service's RFC 9457 problem as a typed error, and a job that
// ended without a result (failed or canceled) while waiting for one.
import type { Job, Problem } from './api-types.ts';

export class JobsApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`);
    this.name = 'JobsApiError';
    this.status = problem.status;
    this.problem = problem;
  }
}

export class JobFailedError extends Error {
  /** The finished job: status `failed` or `canceled`, with its `error` problem. */
  readonly job: Job;
  constructor(job: Job) {
    super(`job ${job.id} ${job.status}: ${job.error?.detail ?? 'no detail'}`);
    this.name = 'JobFailedError';
    this.job = job;
  }
}

/** Reads a non-success answer as a JobsApiError (a problem even when the body is not one). */
export async function toJobsApiError(response: Response): Promise<JobsApiError> {
  const text = await response.text().catch(() => '');
  if (/^application\/problem\+json/i.test(response.headers.get('content-type') ?? '')) {
    try {
      return new JobsApiError(JSON.parse(text) as Problem);
    } catch {}
  }
  return new JobsApiError({
    type: 'about:blank',
    title: response.statusText || 'Unexpected answer',
    status: response.status,
    detail: text.slice(0, 500) || `HTTP ${response.status}`,
  });
}
