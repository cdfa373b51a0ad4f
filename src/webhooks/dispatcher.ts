// The callback delivery worker: one pg-boss job per attempt on CALLBACK_QUEUE. Each attempt
// re-checks the destination, signs the event's fixed bytes with the owner's live secrets, posts
// them to the checked address, and records the attempt and schedules the next one (startAfter, so
// the schedule survives restarts) in one transaction.
import { createHash } from 'node:crypto';
import type { Db as BossDb, PgBoss } from 'pg-boss';
import type { Sql } from '../db/client.ts';
import type { Logger } from '../observability/logger.ts';
import { bossDbOf } from '../queue/pg-boss-adapter.ts';
import { fetchAgainWhenDone } from '../queue/queue-waker.ts';
import { deliverOnce } from './delivery.ts';
import { type Resolver, resolveDestination } from './destination.ts';
import { judgeAttempt, parseRetryAfter } from './retry-schedule.ts';
import type { SecretCipher } from './secret-cipher.ts';
import { ensureOwnerSecrets } from './secret-store.ts';
import { signatureHeaders } from './signing.ts';
import type { UrlPolicy } from './url-policy.ts';
import { type EventStatus, findEvent, recordAttempt } from './webhook-store.ts';

export const CALLBACK_QUEUE = 'callback-delivery';

export interface DeliveryJobData {
  event_id: string;
  /** The automatic attempt's 1-based index, or null for a redelivery asked for over the API. */
  auto: number | null;
}

export interface DispatcherDeps {
  sql: Sql;
  boss: PgBoss;
  log: Logger;
  cipher: SecretCipher;
  resolver: Resolver;
  policy: UrlPolicy;
  retrySchedule: readonly number[];
  timeoutMs: number;
  concurrency: number;
  /** Called after each attempt is recorded, with its outcome (for metrics). */
  onAttempt?: (outcome: 'delivered' | 'retrying' | 'failed' | 'redelivery-failed') => void;
}

/** A stable pg-boss id per (event, automatic attempt): scheduling the same attempt twice is a no-op. */
function autoAttemptJobId(eventId: string, auto: number): string {
  const h = createHash('sha256').update(`${eventId}#${auto}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Enqueues one attempt; `db` makes it commit with the caller's transaction. */
export async function scheduleAttempt(
  boss: PgBoss,
  data: DeliveryJobData,
  options: { timeoutMs: number; db?: BossDb; startAfter?: Date },
): Promise<void> {
  await boss.send(CALLBACK_QUEUE, data, {
    ...(data.auto === null ? {} : { id: autoAttemptJobId(data.event_id, data.auto) }),
    ...(options.startAfter ? { startAfter: options.startAfter } : {}),
    ...(options.db ? { db: options.db } : {}),
    // pg-boss retries only cover a crashed or failing worker (database down, process killed);
    // the callback retry schedule is ours, one pg-boss job per attempt.
    retryLimit: 5,
    retryDelay: 5,
    expireInSeconds: Math.ceil(options.timeoutMs / 1000) + 60,
  });
}

export async function runDeliveryAttempt(deps: DispatcherDeps, data: DeliveryJobData): Promise<void> {
  const event = await findEvent(deps.sql, data.event_id);
  if (!event) return;
  // A redelivery that succeeded (or a final answer) ends the automatic chain.
  if (data.auto !== null && (event.status === 'delivered' || event.status === 'failed')) return;

  const destination = await resolveDestination(event.url, deps.policy, deps.resolver);
  let statusCode: number | null = null;
  let error: string | null = null;
  let durationMs = 0;
  let retryAfter: string | undefined;
  if (destination.kind === 'ok') {
    const secrets = await ensureOwnerSecrets(deps.sql, event.owner_id, deps.cipher);
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await deliverOnce({
      url: destination.url,
      address: destination.address,
      headers: signatureHeaders(
        secrets.map((s) => s.secret),
        event.id,
        timestamp,
        event.body,
      ),
      body: event.body,
      timeoutMs: deps.timeoutMs,
    });
    ({ statusCode, error, durationMs, retryAfter } = response);
  } else {
    // Refused at attempt time (DNS now points somewhere forbidden): nothing is sent, and the
    // attempt counts as a failed one, retried like a network error.
    error = destination.kind === 'refused' ? `refused: ${destination.reason}` : destination.reason;
  }

  let status: EventStatus | undefined;
  let nextAttemptAt: Date | null = null;
  if (data.auto === null) {
    // A redelivery is one extra attempt: success marks the event delivered, failure changes nothing.
    status = statusCode !== null && statusCode >= 200 && statusCode < 300 ? 'delivered' : undefined;
  } else {
    const verdict = judgeAttempt(
      { statusCode, retryAfterSeconds: parseRetryAfter(retryAfter, Date.now()) },
      data.auto,
      deps.retrySchedule,
    );
    status = verdict.kind === 'delivered' ? 'delivered' : verdict.kind === 'retry' ? 'retrying' : 'failed';
    if (verdict.kind === 'retry') nextAttemptAt = new Date(Date.now() + verdict.delaySeconds * 1000);
  }

  const attempt = await deps.sql.begin(async (tx) => {
    const n = await recordAttempt(tx, event.id, { statusCode, error, durationMs, nextAttemptAt, status });
    if (nextAttemptAt && data.auto !== null) {
      await scheduleAttempt(
        deps.boss,
        { event_id: event.id, auto: data.auto + 1 },
        { timeoutMs: deps.timeoutMs, db: bossDbOf(tx), startAfter: nextAttemptAt },
      );
    }
    return n;
  });
  deps.onAttempt?.(status ?? 'redelivery-failed');
  const fields = {
    webhook_id: event.id,
    job_id: event.job_id,
    attempt,
    status_code: statusCode,
    error,
    duration_ms: durationMs,
    next_attempt_at: nextAttemptAt?.toISOString() ?? null,
  };
  if (status === 'delivered') deps.log.info('callback delivered', fields);
  else deps.log.warn('callback attempt failed', fields);
}

export interface Dispatcher {
  stop(): Promise<void>;
}

export async function startDispatcher(deps: DispatcherDeps): Promise<Dispatcher> {
  // Attempts are I/O-bound (a remote answer, then one small transaction): many run at once. A
  // batch waits for its slowest attempt, so two pollers keep deliveries flowing meanwhile.
  const batchSize = Math.max(8, deps.concurrency * 2);
  await deps.boss.work<DeliveryJobData>(
    CALLBACK_QUEUE,
    {
      batchSize,
      localConcurrency: 2,
      perJobResults: true,
      burstWhenBatchFull: true,
      // Scheduled retries do not NOTIFY when they come due, so the backstop poll is what picks
      // them up: keep it short.
      pollingIntervalSeconds: 1,
      notifyPollingIntervalSeconds: 1,
    },
    async function deliverCallbacks(jobs) {
      const results = await Promise.all(
        jobs.map(async (job) => {
          try {
            await runDeliveryAttempt(deps, job.data);
            return { id: job.id, status: 'completed' as const };
          } catch (error) {
            deps.log.error('callback attempt crashed', {
              webhook_id: job.data.event_id,
              error: String(error),
            });
            return { id: job.id, status: 'failed' as const, output: { error: 'attempt crashed' } };
          }
        }),
      );
      // More may be waiting: fetch again at once instead of sleeping out the poll interval.
      fetchAgainWhenDone(deps.boss, CALLBACK_QUEUE);
      return results;
    },
  );
  return {
    async stop() {
      await deps.boss.offWork(CALLBACK_QUEUE, { wait: true });
    },
  };
}
