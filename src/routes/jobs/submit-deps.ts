// What submitJob needs, taken from the app's deps: one place for the HTTP route and the WebSocket.
import type { AppDeps } from '../../app-deps.ts';
import type { SubmitDeps } from '../../jobs/submit.ts';

export function submitDepsOf(deps: AppDeps): SubmitDeps {
  return {
    sql: deps.sql,
    boss: deps.boss,
    registry: deps.registry,
    maxActiveJobsPerOwner: deps.config.MAX_ACTIVE_JOBS_PER_OWNER,
    idempotencyTtlSeconds: deps.config.IDEMPOTENCY_TTL_SECONDS,
    jobTtlSeconds: deps.config.JOB_TTL_SECONDS,
    checkCallbackUrl: deps.checkCallbackUrl,
    batcher: deps.submitBatcher,
    lanes: deps.batchLanes,
    onBacklog: deps.onSubmitBacklog,
  };
}
