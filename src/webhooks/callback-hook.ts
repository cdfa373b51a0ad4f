// The terminal hook that decides a callback: inside the transaction that writes the job's terminal
// status it stores the event (its body bytes fixed here, forever) and enqueues the first attempt
// through the same transaction, so there is no callback for an uncommitted status and none lost.
import { randomUUID } from 'node:crypto';
import type { PgBoss } from 'pg-boss';
import { toJobResource } from '../jobs/job-resource.ts';
import type { TerminalHook } from '../jobs/terminal-hooks.ts';
import { bossDbOf } from '../queue/pg-boss-adapter.ts';
import { scheduleAttempt } from './dispatcher.ts';
import { insertEvent } from './webhook-store.ts';

export interface CallbackHookDeps {
  boss: PgBoss;
  /** PUBLIC_BASE_URL: the receiver is not on our origin, so links must be absolute. */
  publicBaseUrl: string | undefined;
  timeoutMs: number;
}

export function createCallbackHook(deps: CallbackHookDeps): TerminalHook {
  const baseUrl = (deps.publicBaseUrl ?? '').replace(/\/+$/, '');
  return async function enqueueCallback(tx, job) {
    if (!job.callback_url) return;
    // Standard Webhooks recommends a "msg_" prefixed unique id; it is the receiver's dedupe key.
    const id = `msg_${randomUUID().replaceAll('-', '')}`;
    const body = JSON.stringify({
      type: `job.${job.status}`,
      timestamp: new Date(job.finished_at ?? Date.now()).toISOString(),
      data: toJobResource(job, baseUrl),
    });
    const created = await insertEvent(tx, {
      id,
      jobId: job.id,
      ownerId: job.owner_id,
      url: job.callback_url,
      body,
    });
    // A job whose terminal status was somehow decided twice keeps its first event.
    if (!created) return;
    await scheduleAttempt(
      deps.boss,
      { event_id: id, auto: 1 },
      { timeoutMs: deps.timeoutMs, db: bossDbOf(tx) },
    );
  };
}
