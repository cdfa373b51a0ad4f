// The problem a submit answers with when it does not create or replay a job: one mapping shared
// by POST /v1/jobs and the WebSocket `submit` message, so both give the same RFC 9457 problem.
import { ProblemError, toFieldErrors, validationFailed } from '../../http/problem.ts';
import { isValidIdempotencyKey } from '../../jobs/idempotency.ts';
import type { SubmitOutcome } from '../../jobs/submit.ts';

export type SubmitRefusal = Exclude<SubmitOutcome, { kind: 'created' | 'replayed' }>;

export function isSubmitRefusal(outcome: SubmitOutcome): outcome is SubmitRefusal {
  return outcome.kind !== 'created' && outcome.kind !== 'replayed';
}

// A refused scheme or address is what a developer with a local receiver meets first: name the
// settings that allow it (for development only), as the README's "Try callbacks locally" does.
function localHint(reason: string): string {
  if (/credentials|port 0|not a valid|no host/.test(reason)) return '';
  return ' For a local receiver in development, set CALLBACK_ALLOW_HTTP=true (http://) and CALLBACK_ALLOWLIST=<host, address or CIDR> (e.g. 127.0.0.1).';
}

/** The problem for a submit that neither created nor replayed a job. */
export function submitRefusalProblem(outcome: SubmitRefusal): ProblemError {
  switch (outcome.kind) {
    case 'unknown-type':
      return new ProblemError(
        'unknown-job-type',
        `No job type named "${outcome.type}". See GET /v1/job-types.`,
        {
          errors: [{ pointer: '/type', detail: 'unknown job type' }],
        },
      );
    case 'invalid-input':
      return validationFailed(outcome.errors, "The input does not match the job type's schema.");
    case 'callback-refused':
      return new ProblemError(
        'callback-url-refused',
        `callback_url refused: ${outcome.reason}.${localHint(outcome.reason)}`,
        {
          errors: [{ pointer: '/callback_url', detail: outcome.reason }],
        },
      );
    case 'idempotency-mismatch':
      return new ProblemError(
        'idempotency-key-reused',
        'This Idempotency-Key was used with a different request body.',
      );
    case 'idempotency-in-progress':
      return new ProblemError(
        'idempotency-in-progress',
        'A request with this Idempotency-Key is still being processed; retry shortly.',
        {},
        { 'Retry-After': '1' },
      );
    case 'capped':
      return new ProblemError(
        'too-many-active-jobs',
        `You already have ${outcome.limit} jobs queued or running; wait for some to finish.`,
        {},
        { 'Retry-After': '5' },
      );
  }
}

/** 400 for an Idempotency-Key that is not 1–255 printable ASCII characters. */
export function invalidIdempotencyKey(key: string | undefined): ProblemError | undefined {
  if (key === undefined || isValidIdempotencyKey(key)) return undefined;
  return new ProblemError('invalid-header', 'Idempotency-Key must be 1 to 255 printable ASCII characters.');
}

/** The 422 a zod failure of the submit body gets (the same as the HTTP route's defaultHook). */
export function invalidSubmitBody(issues: readonly { path: PropertyKey[]; message: string }[]): ProblemError {
  return new ProblemError('validation-failed', 'The request body is invalid.', {
    errors: toFieldErrors(issues),
  });
}
