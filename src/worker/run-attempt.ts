// Runs one attempt of one job: claim it (attempt + 1, the fence), run the handler with progress,
// cancel and timeout wired in, then write exactly one outcome. Throwing tells pg-boss to retry.
import type { Job } from 'pg-boss';
import type { Sql } from '../db/client.ts';
import type { AnyJobType } from '../job-types/define-job-type.ts';
import { canceledError, failedError, timedOutError } from '../jobs/job-errors.ts';
import {
  type AttemptOutcome,
  releaseAttempt,
  requeueAttempt,
  startAttempt,
  writeProgress,
} from '../jobs/job-store.ts';
import type { TerminalHook } from '../jobs/terminal-hooks.ts';
import type { Logger } from '../observability/logger.ts';
import type { AttemptFinisher } from './attempt-finisher.ts';
import { createProgressReporter } from './progress-reporter.ts';

export interface AttemptDeps {
  sql: Sql;
  /** For the claim and progress writes, which need no WAL flush (see createSql's durableCommits). */
  relaxedSql: Sql;
  log: Logger;
  terminalHooks: readonly TerminalHook[];
  /** Controllers of the attempts running in this process, by job id, for cancel requests. */
  running: Map<string, AbortController>;
  /** Writes terminal statuses (with their hooks), group-committed. */
  finisher: AttemptFinisher;
  /** Called after a terminal status committed (for metrics). */
  onFinished?: (type: string, status: string) => void;
}

export class RetryableAttemptError extends Error {}

/** Rejects as soon as the signal aborts, so a handler that ignores its signal cannot hold the outcome. */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function finish(deps: AttemptDeps, id: string, attempt: number, outcome: AttemptOutcome) {
  const row = await deps.finisher.finish(id, attempt, outcome);
  if (row) deps.onFinished?.(row.type, row.status);
  return row;
}

export async function runAttempt(
  deps: AttemptDeps,
  type: AnyJobType,
  bossJob: Job<{ job_id: string }>,
): Promise<void> {
  const id = bossJob.data.job_id;
  const job = await startAttempt(deps.relaxedSql, id);
  if (!job) return; // canceled or finished meanwhile: nothing to run, the queue entry completes
  const attempt = job.attempt;
  const log = deps.log.child({ job_id: id, type: type.type, attempt });

  if (job.cancel_requested_at) {
    await finish(deps, id, attempt, { status: 'canceled', error: canceledError() });
    return;
  }

  const timeoutSeconds = type.timeoutSeconds ?? 900;
  const cancel = new AbortController();
  const timeout = AbortSignal.timeout(timeoutSeconds * 1000);
  const signal = AbortSignal.any([cancel.signal, timeout, bossJob.signal]);
  deps.running.set(id, cancel);
  const progress = createProgressReporter(
    (value) => writeProgress(deps.relaxedSql, id, attempt, value),
    (error) => log.warn('progress write failed', { error: String(error) }),
  );

  let outcome: AttemptOutcome;
  try {
    const input = type.input.parse(job.input);
    const result = await raceAbort(
      type.handler(input, {
        progress: (percent, message, data) => progress.report(percent, message, data),
        signal,
        attempt,
        jobId: id,
        ownerId: job.owner_id,
        log,
        services: { sql: deps.sql },
      }),
      signal,
    );
    const output = type.output.parse(result);
    outcome = type.resultContentType
      ? {
          status: 'succeeded',
          output: null,
          artifact: Buffer.from(output as string),
          contentType: type.resultContentType,
        }
      : { status: 'succeeded', output };
  } catch (error) {
    if (cancel.signal.aborted) outcome = { status: 'canceled', error: canceledError() };
    else if (timeout.aborted) outcome = { status: 'failed', error: timedOutError(timeoutSeconds, attempt) };
    else if (bossJob.signal.aborted) {
      // The claim was lost (expired, or the process is stopping): another attempt owns the job now,
      // and the fence makes any write of ours a no-op. Let pg-boss count it as a failed run.
      deps.running.delete(id);
      await progress.flush();
      await releaseAttempt(deps.relaxedSql, id, attempt);
      throw new RetryableAttemptError(`attempt ${attempt} lost its claim`);
    } else
      outcome = {
        status: 'failed',
        error: failedError(error instanceof Error ? error.message : String(error), attempt),
      };
  } finally {
    deps.running.delete(id);
    await progress.flush();
  }

  if (outcome.status === 'failed' && job.failures + 1 < job.max_attempts) {
    const requeued = await requeueAttempt(deps.sql, id, attempt, outcome.error);
    if (requeued) {
      log.info('attempt failed, will retry', { error: outcome.error.detail });
      throw new RetryableAttemptError(String(outcome.error.detail));
    }
  }
  try {
    await finish(deps, id, attempt, outcome);
  } catch (error) {
    // An output the database refuses (a NUL in a string, say) would fail every rerun the same way:
    // end the job once, failed, instead of running the handler again and again.
    if (outcome.status !== 'succeeded') throw error;
    log.error('result could not be stored', { error: String(error) });
    await finish(deps, id, attempt, {
      status: 'failed',
      error: failedError('The job finished, but its result could not be stored.', attempt),
    });
  }
}
