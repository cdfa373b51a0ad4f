// The callback delivery worker: one pg-boss job per attempt on CALLBACK_QUEUE, fetched in
// batches. Each attempt re-checks the destination, signs the event's fixed bytes with the owner's
// live secrets, posts them to the checked address over a kept-alive connection (delivery.ts), and
// records the attempt and schedules the next one (startAfter, so the schedule survives restarts)
// in one transaction, group-committed with the other attempts of the moment. A batch reads its
// events in one query and each owner's secrets once.
import { createHash } from 'node:crypto';
import type { Db as BossDb, PgBoss } from 'pg-boss';
import type { Sql } from '../db/client.ts';
import { GroupCommit } from '../db/group-commit.ts';
import type { Logger } from '../observability/logger.ts';
import { bossDbOf } from '../queue/pg-boss-adapter.ts';
import { fetchAgainWhenDone } from '../queue/queue-waker.ts';
import { closeDeliveryAgents, deliverOnce } from './delivery.ts';
import { type Resolver, resolveDestination } from './destination.ts';
import { judgeAttempt, parseRetryAfter } from './retry-schedule.ts';
import type { SecretCipher } from './secret-cipher.ts';
import { ensureOwnerSecrets, type WebhookSecret } from './secret-store.ts';
import { signatureHeaders } from './signing.ts';
import type { UrlPolicy } from './url-policy.ts';
import {
  type EventStatus,
  findEvents,
  type RecordedAttempt,
  recordAttempt,
  type WebhookEventRow,
} from './webhook-store.ts';

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

/** The pg-boss job of one attempt (id stable per automatic attempt, so scheduling twice is a no-op). */
function attemptJob(data: DeliveryJobData, timeoutMs: number, startAfter?: Date) {
  return {
    ...(data.auto === null ? {} : { id: autoAttemptJobId(data.event_id, data.auto) }),
    ...(startAfter ? { startAfter } : {}),
    // pg-boss retries only cover a crashed or failing worker (database down, process killed);
    // the callback retry schedule is ours, one pg-boss job per attempt.
    retryLimit: 5,
    retryDelay: 5,
    expireInSeconds: Math.ceil(timeoutMs / 1000) + 60,
  };
}

/** Enqueues one attempt; `db` makes it commit with the caller's transaction. */
export async function scheduleAttempt(
  boss: PgBoss,
  data: DeliveryJobData,
  options: { timeoutMs: number; db?: BossDb; startAfter?: Date },
): Promise<void> {
  await boss.send(CALLBACK_QUEUE, data, {
    ...attemptJob(data, options.timeoutMs, options.startAfter),
    ...(options.db ? { db: options.db } : {}),
  });
}

interface AttemptRecord {
  event: WebhookEventRow;
  data: DeliveryJobData;
  recorded: RecordedAttempt;
}

/**
 * Attempt records, group-committed: one transaction per batch holds every attempt row (and the
 * event and job status each moves) and the next automatic attempts, enqueued in one statement.
 */
function createAttemptRecorder(deps: DispatcherDeps): GroupCommit<AttemptRecord, number> {
  return new GroupCommit<AttemptRecord, number>({
    maxBatch: 200,
    writeBatch: (records) =>
      deps.sql.begin(async (tx) => {
        const numbers = await Promise.all(records.map((r) => recordAttempt(tx, r.event.id, r.recorded)));
        const next = records.flatMap((r) =>
          r.recorded.nextAttemptAt && r.data.auto !== null
            ? [
                {
                  data: { event_id: r.event.id, auto: r.data.auto + 1 } satisfies DeliveryJobData,
                  ...attemptJob(
                    { event_id: r.event.id, auto: r.data.auto + 1 },
                    deps.timeoutMs,
                    r.recorded.nextAttemptAt,
                  ),
                },
              ]
            : [],
        );
        if (next.length > 0) await deps.boss.insert(CALLBACK_QUEUE, next, { db: bossDbOf(tx) });
        return numbers;
      }),
  });
}

interface BatchContext {
  deps: DispatcherDeps;
  recorder: GroupCommit<AttemptRecord, number>;
  /** One secrets read per owner per batch. */
  secrets: Map<string, Promise<WebhookSecret[]>>;
}

async function runDeliveryAttempt(
  ctx: BatchContext,
  data: DeliveryJobData,
  event: WebhookEventRow | undefined,
) {
  const { deps } = ctx;
  if (!event) return;
  // A redelivery that succeeded (or a final answer) ends the automatic chain.
  if (data.auto !== null && (event.status === 'delivered' || event.status === 'failed')) return;

  const destination = await resolveDestination(event.url, deps.policy, deps.resolver);
  let statusCode: number | null = null;
  let error: string | null = null;
  let durationMs = 0;
  let retryAfter: string | undefined;
  if (destination.kind === 'ok') {
    let secrets = ctx.secrets.get(event.owner_id);
    if (!secrets) {
      secrets = ensureOwnerSecrets(deps.sql, event.owner_id, deps.cipher);
      ctx.secrets.set(event.owner_id, secrets);
    }
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await deliverOnce({
      url: destination.url,
      address: destination.address,
      headers: signatureHeaders(
        (await secrets).map((s) => s.secret),
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

  const attempt = await ctx.recorder.submit({
    event,
    data,
    recorded: { statusCode, error, durationMs, nextAttemptAt, status },
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
  const recorder = createAttemptRecorder(deps);
  // Attempts are I/O-bound (a remote answer, then one small transaction): many run at once. A
  // batch waits for its slowest attempt, so four pollers keep deliveries flowing meanwhile.
  const batchSize = Math.max(8, deps.concurrency * 2);
  await deps.boss.work<DeliveryJobData>(
    CALLBACK_QUEUE,
    {
      batchSize,
      localConcurrency: 4,
      perJobResults: true,
      burstWhenBatchFull: true,
      // Scheduled retries do not NOTIFY when they come due, so the backstop poll is what picks
      // them up: keep it short.
      pollingIntervalSeconds: 1,
      notifyPollingIntervalSeconds: 1,
    },
    async function deliverCallbacks(jobs) {
      const ctx: BatchContext = { deps, recorder, secrets: new Map() };
      // One read for the whole batch's events.
      const events = await findEvents(
        deps.sql,
        jobs.map((j) => j.data.event_id),
      );
      const results = await Promise.all(
        jobs.map(async (job) => {
          try {
            await runDeliveryAttempt(ctx, job.data, events.get(job.data.event_id));
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
      await recorder.drained();
      closeDeliveryAgents();
    },
  };
}
