// A submit that arrives as a WebSocket message: the same checks, problems and submitJob as
// POST /v1/jobs (operationId submitJob), answered as an outcome the socket turns into a message.
// It lives with the route so realtime/ never reaches into routes/: service.ts hands it over.
import type { AppDeps } from '../../app-deps.ts';
import { findUnstorableString } from '../../db/storable-json.ts';
import { findProtoKey, PROTO_KEY_DETAIL } from '../../http/json-body.ts';
import { validationFailed } from '../../http/problem.ts';
import { submitJob } from '../../jobs/submit.ts';
import type { MessageSubmitter } from '../../realtime/ws-protocol.ts';
import { SubmitJobRequestSchema } from './schemas.ts';
import { submitDepsOf } from './submit-deps.ts';
import {
  invalidIdempotencyKey,
  invalidSubmitBody,
  isSubmitRefusal,
  submitRefusalProblem,
} from './submit-problem.ts';

export function createMessageSubmitter(deps: AppDeps): MessageSubmitter {
  const submitDeps = submitDepsOf(deps);
  return async function submitFromMessage(ownerId, body, idempotencyKey) {
    const badKey = invalidIdempotencyKey(idempotencyKey);
    if (badKey) return { kind: 'refused', problem: badKey.problem };
    const protoKey = findProtoKey(body);
    if (protoKey !== undefined) {
      const problem = validationFailed(
        [{ pointer: protoKey, detail: PROTO_KEY_DETAIL }],
        'The request body holds a __proto__ key.',
      ).problem;
      return { kind: 'refused', problem };
    }
    const parsed = SubmitJobRequestSchema.safeParse(body);
    if (!parsed.success) return { kind: 'refused', problem: invalidSubmitBody(parsed.error.issues).problem };
    const pointer = findUnstorableString(body);
    if (pointer !== undefined) {
      const problem = validationFailed(
        [{ pointer, detail: 'Strings may not contain U+0000 or unpaired surrogates.' }],
        'The request body holds a string that cannot be stored.',
      ).problem;
      return { kind: 'refused', problem };
    }
    const outcome = await submitJob(submitDeps, ownerId, parsed.data, idempotencyKey, body);
    if (isSubmitRefusal(outcome)) return { kind: 'refused', problem: submitRefusalProblem(outcome).problem };
    if (outcome.kind === 'created') deps.metrics.jobsSubmitted.inc({ type: outcome.job.type });
    return { kind: 'accepted', job: outcome.job };
  };
}
