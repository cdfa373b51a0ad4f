// Callbacks end to end: real service, real receivers on 127.0.0.1, schedules in seconds.
import { OpenAPIHono } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRow } from '../../src/jobs/job-store.ts';
import { DeliveryListSchema } from '../../src/routes/jobs/deliveries-schemas.ts';
import { listDeliveriesRoute } from '../../src/routes/jobs/list-deliveries.ts';
import { redeliverCallbackRoute } from '../../src/routes/jobs/redeliver-callback.ts';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { getWebhookSecretRoute } from '../../src/routes/webhook-secret/get-webhook-secret.ts';
import { rotateWebhookSecretRoute } from '../../src/routes/webhook-secret/rotate-webhook-secret.ts';
import { WebhookSecretListSchema } from '../../src/routes/webhook-secret/schemas.ts';
import { createCallbackHook } from '../../src/webhooks/callback-hook.ts';
import type { Resolver } from '../../src/webhooks/destination.ts';
import { CALLBACK_QUEUE } from '../../src/webhooks/dispatcher.ts';
import {
  type CallbackReceiver,
  LOCAL_CALLBACKS,
  type ReceivedRequest,
  startReceiver,
  verifyWith,
} from '../support/callback-receiver.ts';
import { startTestService, type TestOwner, type TestService, waitFor } from '../support/test-service.ts';

// Plays DNS: rebind.test is public when the job is submitted and the metadata address afterwards.
let rebindLookups = 0;
const resolver: Resolver = async (host) => {
  if (host === 'rebind.test') {
    rebindLookups += 1;
    return rebindLookups === 1
      ? [{ address: '93.184.216.34', family: 4 }]
      : [{ address: '169.254.169.254', family: 4 }];
  }
  if (host === 'mixed.test')
    return [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ];
  if (host === 'nowhere.test') throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return [{ address: '127.0.0.1', family: 4 }];
};

let svc: TestService;
const receivers: CallbackReceiver[] = [];
beforeAll(async () => {
  svc = await startTestService(
    {
      ...LOCAL_CALLBACKS,
      CALLBACK_RETRY_SCHEDULE: '1,1,1',
      CALLBACK_TIMEOUT_MS: '1000',
      PUBLIC_BASE_URL: 'https://api.example.test',
    },
    { resolver },
  );
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await svc?.stop();
});

async function receiver(script?: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(script);
  receivers.push(r);
  return r;
}

async function submit(
  owner: TestOwner,
  callbackUrl: string,
  input: Record<string, unknown> = { duration_ms: 0, steps: 1 },
) {
  const res = await owner.fetch('/v1/jobs', {
    method: 'POST',
    json: { type: 'demo.sleep', input, callback_url: callbackUrl },
  });
  expect(res.status).toBe(202);
  return JobSchema.parse(await res.json());
}

async function secretsOf(owner: TestOwner) {
  const res = await owner.fetch('/v1/webhook-secret');
  expect(res.status).toBe(200);
  return WebhookSecretListSchema.parse(await res.json()).secrets.map((s) => s.secret);
}

async function deliveries(owner: TestOwner, jobId: string) {
  const res = await owner.fetch(`/v1/jobs/${jobId}/deliveries`);
  expect(res.status).toBe(200);
  return DeliveryListSchema.parse(await res.json()).data;
}

async function callbackStatus(owner: TestOwner, jobId: string, want: string) {
  return waitFor(async () => {
    const job = JobSchema.parse(await (await owner.fetch(`/v1/jobs/${jobId}`)).json());
    return job.callback?.status === want ? job : undefined;
  }, 20_000);
}

function drainOrClose(res: import('node:http').ServerResponse) {
  return new Promise<void>((ok) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      ok();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function verifyAll(secret: string, requests: ReceivedRequest[]) {
  for (const r of requests) expect(verifyWith(secret, r)).toBeTruthy();
}

describe('callback delivery', () => {
  it('delivers a signed job.succeeded event with absolute links on the first try', async () => {
    const owner = await svc.newOwner();
    const [secret] = await secretsOf(owner);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const r = await receiver();
    const job = await submit(owner, r.url);
    const [req] = await r.waitForRequests(1);
    if (!req || !secret) throw new Error('unreachable');
    const payload = verifyWith(secret, req) as {
      type: string;
      timestamp: string;
      data: { id: string; links: { self: string } };
    };
    expect(payload.type).toBe('job.succeeded');
    expect(payload.data.id).toBe(job.id);
    expect(payload.data.links.self).toBe(`https://api.example.test/v1/jobs/${job.id}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toMatch(/^async-jobs-webhooks\//);
    expect(String(req.headers['webhook-id'])).toMatch(/^msg_/);
    await callbackStatus(owner, job.id, 'delivered');
    const log = await deliveries(owner, job.id);
    expect(log).toMatchObject([{ attempt: 1, status_code: 200, error: null, next_attempt_at: null }]);
  });

  it('keeps one event per job when the terminal hook runs again (a retried worker)', async () => {
    const owner = await svc.newOwner();
    const r = await receiver();
    const job = await submit(owner, r.url);
    await callbackStatus(owner, job.id, 'delivered');
    const hook = createCallbackHook({
      boss: svc.service.deps.boss,
      publicBaseUrl: undefined,
      timeoutMs: 1000,
    });
    const [row] = await svc.sql<JobRow[]>`select * from jobs where id = ${job.id}`;
    if (!row) throw new Error('unreachable');
    await svc.sql.begin((tx) => hook(tx, row));
    const events = await svc.sql<{ id: string }[]>`select id from webhook_events where job_id = ${job.id}`;
    expect(events.map((e) => e.id)).toEqual([r.requests[0]?.headers['webhook-id']]);
    const [queued] = await svc.sql<{ n: number }[]>`
      select count(*)::int as n from pgboss.job where name = ${CALLBACK_QUEUE} and data->>'event_id' = ${events[0]?.id ?? ''}`;
    expect(queued?.n).toBe(1);
  });

  it('retries 500, 500 then delivers: one webhook-id, same bytes, rising timestamps, valid signatures', async () => {
    const owner = await svc.newOwner();
    const [secret] = await secretsOf(owner);
    const r = await receiver((req, res) => {
      res.statusCode = req.index < 2 ? 500 : 200;
    });
    const job = await submit(owner, r.url);
    const reqs = await r.waitForRequests(3);
    await callbackStatus(owner, job.id, 'delivered');
    expect(new Set(reqs.map((q) => q.headers['webhook-id'])).size).toBe(1);
    expect(new Set(reqs.map((q) => q.body)).size).toBe(1);
    const stamps = reqs.map((q) => Number(q.headers['webhook-timestamp']));
    expect(stamps[1]).toBeGreaterThan(stamps[0] ?? 0);
    expect(stamps[2]).toBeGreaterThan(stamps[1] ?? 0);
    verifyAll(secret ?? '', reqs);
    const log = await deliveries(owner, job.id);
    expect(log.map((a) => a.status_code)).toEqual([500, 500, 200]);
    expect(log[0]?.next_attempt_at).not.toBeNull();
    expect(log[2]?.next_attempt_at).toBeNull();
    expect(r.requests).toHaveLength(3);
  });

  it('treats 410 as final: no retry', async () => {
    const owner = await svc.newOwner();
    const r = await receiver((_req, res) => {
      res.statusCode = 410;
    });
    const job = await submit(owner, r.url);
    await callbackStatus(owner, job.id, 'failed');
    const log = await deliveries(owner, job.id);
    expect(log).toMatchObject([{ attempt: 1, status_code: 410, next_attempt_at: null }]);
    expect(r.requests).toHaveLength(1);
  });

  it('honours a Retry-After longer than the schedule on 429', async () => {
    const owner = await svc.newOwner();
    const r = await receiver((req, res) => {
      if (req.index === 0) {
        res.statusCode = 429;
        res.setHeader('retry-after', '3');
      }
    });
    const job = await submit(owner, r.url);
    const [first, second] = await r.waitForRequests(2);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(2900);
    await callbackStatus(owner, job.id, 'delivered');
  });

  it('gives up on a receiver that hangs past CALLBACK_TIMEOUT_MS and retries', async () => {
    const owner = await svc.newOwner();
    const r = await receiver((req) => (req.index === 0 ? new Promise(() => {}) : undefined));
    const job = await submit(owner, r.url);
    await r.waitForRequests(2);
    await callbackStatus(owner, job.id, 'delivered');
    const log = await deliveries(owner, job.id);
    expect(log[0]).toMatchObject({ status_code: null, error: 'timeout after 1000 ms' });
    expect(log[0]?.duration_ms).toBeGreaterThanOrEqual(990);
    expect(log[0]?.duration_ms).toBeLessThan(2000);
    expect(log[1]).toMatchObject({ status_code: 200 });
  });

  it('stops reading a huge response body at the cap', async () => {
    const owner = await svc.newOwner();
    let written = 0;
    const r = await receiver(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 120);
      // Up to 200 MiB, as fast as the client reads: the client must hang up long before.
      while (written < 200 * 1024 * 1024 && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) await drainOrClose(res);
      }
      res.end();
    });
    const job = await submit(owner, r.url);
    await callbackStatus(owner, job.id, 'delivered');
    const log = await deliveries(owner, job.id);
    expect(log).toMatchObject([{ attempt: 1, status_code: 200, error: null }]);
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });

  it('does not follow a 302: the target never hears, the redirect counts as a failure', async () => {
    const owner = await svc.newOwner();
    const target = await receiver();
    const r = await receiver((req, res) => {
      if (req.index === 0) {
        res.statusCode = 302;
        res.setHeader('location', target.url);
      }
    });
    const job = await submit(owner, r.url);
    await callbackStatus(owner, job.id, 'delivered');
    expect((await deliveries(owner, job.id)).map((a) => a.status_code)).toEqual([302, 200]);
    expect(target.requests).toHaveLength(0);
  });

  it('delivers job.failed and job.canceled', async () => {
    const owner = await svc.newOwner();
    const [secret] = await secretsOf(owner);
    const r = await receiver();
    const failed = await submit(owner, r.url, { duration_ms: 0, steps: 1, fail_with: 'boom' });
    const canceled = await submit(owner, r.url, { duration_ms: 60_000, steps: 600 });
    expect((await owner.fetch(`/v1/jobs/${canceled.id}/cancel`, { method: 'POST' })).status).toBe(202);
    const reqs = await r.waitForRequests(2);
    const types = Object.fromEntries(
      reqs.map((q) => {
        const p = verifyWith(secret ?? '', q) as { type: string; data: { id: string; error: unknown } };
        expect(p.data.error).not.toBeNull();
        return [p.data.id, p.type];
      }),
    );
    expect(types).toEqual({ [failed.id]: 'job.failed', [canceled.id]: 'job.canceled' });
  });

  it('redelivers on request with the same webhook-id and bytes, and answers 409 when there is nothing to send', async () => {
    const owner = await svc.newOwner();
    const r = await receiver();
    const job = await submit(owner, r.url);
    await callbackStatus(owner, job.id, 'delivered');
    const again = await owner.fetch(`/v1/jobs/${job.id}/deliveries`, { method: 'POST' });
    expect(again.status).toBe(202);
    const [first, second] = await r.waitForRequests(2);
    expect(second?.headers['webhook-id']).toBe(first?.headers['webhook-id']);
    expect(second?.body).toBe(first?.body);
    await waitFor(async () => (await deliveries(owner, job.id)).length === 2);
    expect((await deliveries(owner, job.id)).map((a) => a.status_code)).toEqual([200, 200]);

    const plain = await owner.fetch('/v1/jobs', {
      method: 'POST',
      json: { type: 'demo.sleep', input: { duration_ms: 0 } },
    });
    const plainId = JobSchema.parse(await plain.json()).id;
    const noCallback = await owner.fetch(`/v1/jobs/${plainId}/deliveries`, { method: 'POST' });
    expect(noCallback.status).toBe(409);
    const running = await submit(owner, r.url, { duration_ms: 60_000, steps: 600 });
    const notFinished = await owner.fetch(`/v1/jobs/${running.id}/deliveries`, { method: 'POST' });
    expect(notFinished.status).toBe(409);
    expect(notFinished.headers.get('content-type')).toMatch(/application\/problem\+json/);
    await owner.fetch(`/v1/jobs/${running.id}/cancel`, { method: 'POST' });
  });

  it('answers the same 404 for a foreign, missing or malformed job id on the delivery routes', async () => {
    const alice = await svc.newOwner('alice');
    const mallory = await svc.newOwner('mallory');
    const r = await receiver();
    const job = await submit(alice, r.url);
    await callbackStatus(alice, job.id, 'delivered');
    for (const method of ['GET', 'POST']) {
      const bodies = [];
      for (const id of [job.id, '00000000-0000-4000-8000-000000000000', '%27;drop']) {
        const res = await mallory.fetch(`/v1/jobs/${id}/deliveries`, { method });
        expect(res.status).toBe(404);
        const { instance: _ignored, ...rest } = (await res.json()) as Record<string, unknown>;
        bodies.push(JSON.stringify(rest));
      }
      expect(new Set(bodies).size).toBe(1);
    }
    expect(r.requests).toHaveLength(1);
  });
});

describe('OpenAPI', () => {
  // Built from these routes alone: the full /openapi.json currently fails on another route's
  // header parameter (Idempotency-Key spelled two ways in submit-job.ts).
  it('documents the callback routes under their operationIds with full responses', () => {
    const app = new OpenAPIHono();
    for (const route of [
      listDeliveriesRoute,
      redeliverCallbackRoute,
      getWebhookSecretRoute,
      rotateWebhookSecretRoute,
    ])
      app.openAPIRegistry.registerPath(route);
    const doc = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '1' } });
    const ops = Object.values(doc.paths ?? {}).flatMap((item) =>
      Object.values(item as Record<string, { operationId: string; responses: Record<string, unknown> }>),
    );
    expect(Object.fromEntries(ops.map((o) => [o.operationId, Object.keys(o.responses).sort()]))).toEqual({
      listDeliveries: ['200', '401', '404', '503'],
      redeliverCallback: ['202', '401', '404', '409', '503'],
      getWebhookSecret: ['200', '401', '503'],
      rotateWebhookSecret: ['201', '401', '503'],
    });
  });
});

describe('callback URL checks', () => {
  it.each([
    'http://localhost:8080/',
    // 127.0.0.1 itself is allowlisted for the receivers; its neighbours are not.
    'http://127.2/',
    'http://2130706434/',
    'http://0x7f.0.0.3/',
    'http://[::ffff:7f00:2]/',
    'http://169.254.169.254/',
    'http://user:pw@example.com/',
    'ftp://example.com/',
    'http://127.0.0.1:0/',
    'http://mixed.test/',
  ])('refuses %s at submit with 422', async (url) => {
    const owner = await svc.newOwner();
    const res = await owner.fetch('/v1/jobs', {
      method: 'POST',
      json: { type: 'demo.sleep', input: { duration_ms: 0 }, callback_url: url },
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { type: string; errors: { pointer: string }[] };
    expect(body.type).toMatch(/callback-url-refused$/);
    expect(body.errors[0]?.pointer).toBe('/callback_url');
  });

  it('accepts a name that does not resolve yet', async () => {
    const owner = await svc.newOwner();
    const res = await owner.fetch('/v1/jobs', {
      method: 'POST',
      json: { type: 'demo.sleep', input: { duration_ms: 0 }, callback_url: 'http://nowhere.test/' },
    });
    expect(res.status).toBe(202);
  });

  it('refuses at delivery a name that rebinds to a forbidden address, and logs it', async () => {
    const owner = await svc.newOwner();
    const job = await submit(owner, 'http://rebind.test/hook');
    await callbackStatus(owner, job.id, 'failed');
    const log = await deliveries(owner, job.id);
    expect(log).toHaveLength(4);
    for (const a of log) {
      expect(a.status_code).toBeNull();
      expect(a.error).toMatch(/^refused: rebind\.test resolves to 169\.254\.169\.254/);
    }
  });
});
