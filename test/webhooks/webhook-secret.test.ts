// Secret rotation (both sign during the overlap, only the new one after) and encryption at rest.

import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebhookSecretListSchema } from '../../src/routes/webhook-secret/schemas.ts';
import {
  type CallbackReceiver,
  LOCAL_CALLBACKS,
  startReceiver,
  verifyWith,
} from '../support/callback-receiver.ts';
import { startTestService, type TestOwner, type TestService, waitFor } from '../support/test-service.ts';

let svc: TestService;
let receiver: CallbackReceiver;
beforeAll(async () => {
  svc = await startTestService({
    ...LOCAL_CALLBACKS,
    // Long enough for a delivery on a loaded CI machine, short enough to wait out.
    WEBHOOK_SECRET_OVERLAP_SECONDS: '12',
    WEBHOOK_SECRET_ENCRYPTION_KEY: 'test-key-0123456789-abcdefghijklmnop',
  });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await svc?.stop();
});

async function secrets(owner: TestOwner, init?: RequestInit) {
  const res = await owner.fetch(init ? '/v1/webhook-secret/rotate' : '/v1/webhook-secret', init);
  expect(res.status).toBe(init ? 201 : 200);
  return WebhookSecretListSchema.parse(await res.json()).secrets;
}

async function deliverOne(owner: TestOwner) {
  const before = receiver.requests.length;
  await owner.fetch('/v1/jobs', {
    method: 'POST',
    json: { type: 'demo.sleep', input: { duration_ms: 0 }, callback_url: receiver.url },
  });
  const all = await receiver.waitForRequests(before + 1);
  const req = all[before];
  if (!req) throw new Error('unreachable');
  return req;
}

it('stores secrets encrypted and gives each owner their own', async () => {
  const a = await svc.newOwner();
  const b = await svc.newOwner();
  const [sa] = await secrets(a);
  const [sb] = await secrets(b);
  expect(sa?.secret).not.toBe(sb?.secret);
  expect(sa?.expires_at).toBeNull();
  const rows = await svc.sql<
    { secret: string }[]
  >`select secret from webhook_secrets where owner_id = ${a.ownerId}`;
  expect(rows).toHaveLength(1);
  expect(rows[0]?.secret).toMatch(/^enc:v1:/);
  expect(rows[0]?.secret).not.toContain(sa?.secret.slice(6, 20));
  // The first secret is stable across reads.
  expect((await secrets(a))[0]?.secret).toBe(sa?.secret);
});

it('signs with both secrets during the overlap and only the new one after', async () => {
  const owner = await svc.newOwner();
  const [old] = await secrets(owner);
  const rotated = await secrets(owner, { method: 'POST' });
  expect(rotated).toHaveLength(2);
  const [fresh, previous] = rotated;
  expect(previous?.secret).toBe(old?.secret);
  expect(fresh?.expires_at).toBeNull();
  expect(Date.parse(previous?.expires_at ?? '') - Date.now()).toBeLessThanOrEqual(12_000);

  const during = await deliverOne(owner);
  expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
  expect(verifyWith(fresh?.secret ?? '', during)).toBeTruthy();
  expect(verifyWith(old?.secret ?? '', during)).toBeTruthy();

  await waitFor(async () => (await secrets(owner)).length === 1, 30_000, 200);
  const after = await deliverOne(owner);
  expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
  expect(verifyWith(fresh?.secret ?? '', after)).toBeTruthy();
  expect(() =>
    new Webhook(old?.secret ?? '').verify(after.body, {
      'webhook-id': String(after.headers['webhook-id']),
      'webhook-timestamp': String(after.headers['webhook-timestamp']),
      'webhook-signature': String(after.headers['webhook-signature']),
    }),
  ).toThrow();
});
