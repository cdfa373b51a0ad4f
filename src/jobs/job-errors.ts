// The problem objects a job's `error` holds once it failed or was canceled. They are not HTTP
// responses, so they carry no `status` member (RFC 9457 makes every member optional).
import { PROBLEM_BASE } from '../http/problem.ts';

export interface JobError {
  type: string;
  title: string;
  detail: string;
  attempt?: number;
  [member: string]: unknown;
}

export function canceledError(): JobError {
  return {
    type: `${PROBLEM_BASE}job-canceled`,
    title: 'Job canceled',
    detail: 'The job was canceled on request.',
  };
}

export function failedError(detail: string, attempt: number): JobError {
  return { type: `${PROBLEM_BASE}job-failed`, title: 'Job failed', detail, attempt };
}

export function timedOutError(timeoutSeconds: number, attempt: number): JobError {
  return {
    type: `${PROBLEM_BASE}job-timed-out`,
    title: 'Job timed out',
    detail: `The handler did not finish within ${timeoutSeconds} s.`,
    attempt,
  };
}
