// A callback retry is a pg-boss job with startAfter in the database: it survives a restart.
import { afterAll, expect, it } from 'vitest';
import { DeliveryListSchema } from '../../src/routes/jobs/deliveries-schemas.ts';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { WebhookSecretListSchema } from '../../src/routes/webhook-secret/schemas.ts';
import {
  type CallbackReceiver,
  LOCAL_CALLBACKS,
  startReceiver,
  verifyWith,
} from '../support/callback-receiver.ts';
import { authedFetch, startTestService, type TestService, waitFor } from '../support/test-service.ts';

const overrides = {
  ...LOCAL_CALLBACKS,
  CALLBACK_RETRY_SCHEDULE: '3,1,1,1',
};
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of cleanup.reverse()) await stop();
});

it('delivers after a restart in the middle of the backoff, while the receiver was down', async () => {
  // Reserve a port, then leave it closed: the first attempt is refused by the OS.
  const probe = await startReceiver();
  const port = probe.port;
  await probe.close();

  const first: TestService = await startTestService(overrides);
  let stopped = false;
  cleanup.push(async () => {
    if (!stopped) await first.stop();
  });
  const owner = await first.newOwner();
  const secret = WebhookSecretListSchema.parse(await (await owner.fetch('/v1/webhook-secret')).json())
    .secrets[0]?.secret;
  const submit = await owner.fetch('/v1/jobs', {
    method: 'POST',
    json: { type: 'demo.sleep', input: { duration_ms: 0 }, callback_url: `http://127.0.0.1:${port}/hook` },
  });
  const job = JobSchema.parse(await submit.json());
  const log = await waitFor(async () => {
    const data = DeliveryListSchema.parse(
      await (await owner.fetch(`/v1/jobs/${job.id}/deliveries`)).json(),
    ).data;
    return data.length >= 1 ? data : undefined;
  });
  expect(log[0]).toMatchObject({ attempt: 1, status_code: null, error: 'ECONNREFUSED' });
  expect(log[0]?.next_attempt_at).not.toBeNull();
  await first.stop();
  stopped = true;

  const receiver: CallbackReceiver = await startReceiver(() => {}, port);
  cleanup.push(() => receiver.close());
  const second = await startTestService(overrides, { databaseUrl: first.databaseUrl });
  cleanup.push(() => second.stop());
  const [req] = await receiver.waitForRequests(1);
  if (!req || !secret) throw new Error('unreachable');
  expect(verifyWith(secret, req)).toMatchObject({ type: 'job.succeeded', data: { id: job.id } });
  const fetchAgain = authedFetch(second.url, owner.key);
  await waitFor(async () => {
    const current = JobSchema.parse(await (await fetchAgain(`/v1/jobs/${job.id}`)).json());
    return current.callback?.status === 'delivered';
  });
  expect(receiver.requests).toHaveLength(1);
});
