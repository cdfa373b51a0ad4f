// Runs one claimed attempt of one job (the claim, attempt + 1, is the fence and was taken for the
// whole fetched batch by the queue runner): the handler with progress, cancel, timeout and the
// claim's signal wired in, then exactly one settlement through the finisher — a terminal status,
// a requeue for a retry, or a release when the claim was lost or the process is stopping.
import type { Sql } from '../db/client.ts';
import { findUnstorableString } from '../db/storable-json.ts';
import type { AnyJobType } from '../job-types/define-job-type.ts';
import { canceledError, failedError, timedOutError } from '../jobs/job-errors.ts';
import type { AttemptOutcome, JobWithInput, ProgressValue } from '../jobs/job-store.ts';
import type { TerminalHook } from '../jobs/terminal-hooks.ts';
import { type Logger, lazyChild } from '../observability/logger.ts';
import type { AttemptFinisher, QueueEntry } from './attempt-finisher.ts';
import { createProgressReporter } from './progress-reporter.ts';
import type { ProgressWriter } from './progress-writer.ts';

export interface AttemptDeps {
  sql: Sql;
  /** For the batched claim, which needs no WAL flush (see createSql's durableCommits). */
  relaxedSql: Sql;
  log: Logger;
  terminalHooks: readonly TerminalHook[];
  /** Controllers of the attempts running in this process, by job id, for cancel requests. */
  running: Map<string, AbortController>;
  /** Settles attempts (statuses, hooks and queue entries), group-committed. */
  finisher: AttemptFinisher;
  /** Writes progress, group-committed. */
  progress: ProgressWriter;
  /** Called after a terminal status committed (for metrics). */
  onFinished?: (type: string, status: string) => void;
}

/** Why a claim's signal aborted: the entry went elsewhere, or this process is stopping. */
export const STOPPING = 'stopping';

/** Rejects as soon as the signal aborts, so a handler that ignores its signal cannot hold the outcome. */
/** SQLSTATE class 22 (data exception: bad encoding, NUL, out of range) or 54000 (too large). */
function isRefusedData(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code === '54000');
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function finish(
  deps: AttemptDeps,
  job: JobWithInput,
  outcome: AttemptOutcome,
  entry: QueueEntry,
  lastProgress?: ProgressValue,
) {
  const row = await deps.finisher.finish(job.id, job.attempt, outcome, entry, lastProgress);
  if (row) deps.onFinished?.(row.type, row.status);
  return row;
}

export async function runAttempt(
  deps: AttemptDeps,
  type: AnyJobType,
  job: JobWithInput,
  entry: QueueEntry,
  /** Aborts when the claim is lost (heartbeat refused) or the process stops past its grace. */
  claim: AbortSignal,
): Promise<void> {
  const { id, attempt } = job;
  const log = lazyChild(deps.log, { job_id: id, type: type.type, attempt });

  if (job.cancel_requested_at) {
    await finish(deps, job, { status: 'canceled', error: canceledError() }, entry);
    return;
  }

  const timeoutSeconds = type.timeoutSeconds ?? 900;
  const cancel = new AbortController();
  const timeout = AbortSignal.timeout(timeoutSeconds * 1000);
  const signal = AbortSignal.any([cancel.signal, timeout, claim]);
  deps.running.set(id, cancel);
  const progress = createProgressReporter(
    (value) => deps.progress.write({ id, attempt, value }),
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
    else if (claim.aborted) {
      // The claim was lost (another attempt owns the job now, and the fence makes any write of
      // ours a no-op) or the process is stopping: give the job back without counting a failure.
      deps.running.delete(id);
      await progress.flush();
      const stopping = claim.reason === STOPPING;
      await deps.finisher.release(id, attempt, stopping, entry);
      log.info(stopping ? 'attempt released: stopping' : 'attempt released: claim lost');
      return;
    } else
      outcome = {
        status: 'failed',
        error: failedError(error instanceof Error ? error.message : String(error), attempt),
      };
  } finally {
    deps.running.delete(id);
  }
  // The last report not yet written rides with the terminal status: one row version and one
  // statement, and its event still comes before the status event. A retry writes it first, as a
  // report that jsonb would refuse does (its own write fails and is logged; the job goes on).
  let lastProgress = await progress.take();
  const retrying = outcome.status === 'failed' && job.failures + 1 < job.max_attempts;
  if (lastProgress && (retrying || findUnstorableString(lastProgress) !== undefined)) {
    await deps.progress
      .write({ id, attempt, value: lastProgress })
      .catch((error) => log.warn('progress write failed', { error: String(error) }));
    lastProgress = undefined;
  }

  if (outcome.status === 'failed' && retrying) {
    const requeued = await deps.finisher.requeue(id, attempt, outcome.error, entry);
    if (requeued) {
      log.info('attempt failed, will retry', { error: outcome.error.detail });
      return;
    }
  }
  try {
    await finish(deps, job, outcome, entry, lastProgress);
  } catch (error) {
    // An output the database refuses (a NUL in a string, say) would fail every rerun the same way:
    // end the job once, failed, instead of running the handler again and again. Anything else (the
    // database unreachable, a connection cut) says nothing about the output: the attempt crashes,
    // its queue entry's heartbeat lapses and the job runs again — failing it here would turn a
    // database outage into failed jobs.
    if (outcome.status !== 'succeeded' || !isRefusedData(error)) throw error;
    log.error('result could not be stored', { error: String(error) });
    await finish(
      deps,
      job,
      {
        status: 'failed',
        error: failedError('The job finished, but its result could not be stored.', attempt),
      },
      entry,
      lastProgress,
    );
  }
}
