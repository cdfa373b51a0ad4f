// A callback whose attempt job pg-boss gave up on (database errors on every retry) is not left
// undecided forever: the stalled-callback rescuer hands the attempt back and it is delivered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { CALLBACK_QUEUE } from '../../src/webhooks/dispatcher.ts';
import { rescueStalledCallbacks } from '../../src/webhooks/stalled-callback-rescuer.ts';
import { type CallbackReceiver, LOCAL_CALLBACKS, startReceiver } from '../support/callback-receiver.ts';
import { startTestService, type TestService, waitFor } from '../support/test-service.ts';

let svc: TestService;
let receiver: CallbackReceiver;
beforeAll(async () => {
  svc = await startTestService({ ...LOCAL_CALLBACKS, CALLBACK_TIMEOUT_MS: '2000' });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await svc?.stop();
});

async function attemptJob(eventId: string) {
  const [row] = await svc.sql<{ id: string; state: string }[]>`
    select id, state from pgboss.job
    where name = ${CALLBACK_QUEUE} and data->>'event_id' = ${eventId}
    order by created_on desc limit 1`;
  return row;
}

async function eventStatus(eventId: string) {
  const [row] = await svc.sql<{ status: string }[]>`select status from webhook_events where id = ${eventId}`;
  return row?.status;
}

describe('the stalled-callback rescuer', () => {
  it('resumes an event whose attempt job pg-boss gave up on, and the callback is delivered', async () => {
    // Inject the failure: every attempt's record fails, as during a database outage.
    await svc.sql`create function reject_attempts() returns trigger language plpgsql as
      $$ begin raise exception 'injected: database error while recording the attempt'; end $$`;
    await svc.sql`create trigger reject_attempts before insert on webhook_attempts
      for each row execute function reject_attempts()`;
    const owner = await svc.newOwner();
    const res = await owner.fetch('/v1/jobs', {
      method: 'POST',
      json: { type: 'demo.sleep', input: { duration_ms: 0, steps: 1 }, callback_url: receiver.url },
    });
    expect(res.status).toBe(202);
    const { id: jobId } = (await res.json()) as { id: string };
    const eventId = await waitFor(async () => {
      const [row] = await svc.sql<{ id: string }[]>`select id from webhook_events where job_id = ${jobId}`;
      return row?.id;
    }, 30_000);
    // The first failure puts the attempt job into pg-boss's retry; spend its retries at once.
    const failedOnce = await waitFor(async () => {
      const job = await attemptJob(eventId);
      return job?.state === 'retry' ? job : undefined;
    }, 30_000);
    await svc.sql`update pgboss.job set retry_count = retry_limit, start_after = now()
      where name = ${CALLBACK_QUEUE} and id = ${failedOnce.id}`;
    await waitFor(async () => (await attemptJob(eventId))?.state === 'failed', 30_000, 100);
    // Stalled: no attempt waiting, the event neither delivered nor failed.
    expect(await eventStatus(eventId)).toBe('pending');

    await svc.sql`drop trigger reject_attempts on webhook_attempts`;
    const log = createLogger('silent');
    expect(await rescueStalledCallbacks(svc.sql, svc.service.deps.boss, log, 0)).toBe(1);
    await waitFor(async () => (await eventStatus(eventId)) === 'delivered', 30_000, 100);
    // Resumed once: a second pass finds nothing to do.
    expect(await rescueStalledCallbacks(svc.sql, svc.service.deps.boss, log, 0)).toBe(0);
    const deliveries = await owner.fetch(`/v1/jobs/${jobId}/deliveries`);
    const { data } = (await deliveries.json()) as { data: Array<{ status_code: number | null }> };
    expect(data.at(-1)?.status_code).toBe(200);
  }, 90_000);
});
