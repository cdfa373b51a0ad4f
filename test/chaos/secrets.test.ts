// Chaos 8 — secrets: with debug logging, every path that touches an API key, the ADMIN_TOKEN, a
// webhook secret or the secret encryption key — creating, using, mistyping, revoking keys; admin
// calls with a wrong token; callbacks that fail and retry; WebSocket auth; errors; metrics — and
// then no secret appears in any captured log line, error body or metric. (The responses whose
// job is to hand a secret over — key creation, GET/rotate webhook-secret — are the exception, and
// the first-run banner that shows the demo key once is not a log line.)
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type CallbackReceiver, LOCAL_CALLBACKS, startReceiver } from '../support/callback-receiver.ts';
import { killChildren, removeTempDirs } from '../support/child-service.ts';
import { authHeaders, capturedOutput, report, startChaosService, submit } from './support/chaos.ts';

let receiver: CallbackReceiver | undefined;
afterEach(killChildren);
afterAll(async () => {
  await receiver?.close();
  removeTempDirs();
});

const ADMIN_TOKEN = `admin_${randomBytes(24).toString('base64url')}`;
const ENCRYPTION_KEY = randomBytes(32).toString('base64url');

describe('secrets', () => {
  it('never appear in a log line, an error body or a metric', async () => {
    let failFirst = 2;
    receiver = await startReceiver((_req, res) => {
      if (failFirst-- > 0) res.writeHead(500).end('receiver down');
    });
    const service = await startChaosService({
      ...LOCAL_CALLBACKS,
      LOG_LEVEL: 'debug',
      ADMIN_TOKEN,
      WEBHOOK_SECRET_ENCRYPTION_KEY: ENCRYPTION_KEY,
      CALLBACK_RETRY_SCHEDULE: '1,1,1',
    });
    const secrets = new Set<string>([service.key, ADMIN_TOKEN, ENCRYPTION_KEY]);
    const captured: string[] = [];
    const call = async (path: string, init: RequestInit = {}, handsOverSecrets = false) => {
      const res = await fetch(`${service.url}${path}`, { redirect: 'manual', ...init });
      const text = await res.text();
      if (!handsOverSecrets)
        captured.push(`${path} ${res.status} ${JSON.stringify([...res.headers])} ${text}`);
      return { status: res.status, text };
    };
    const admin = (token: string) => ({
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    });

    // Keys: created over the admin API, used, mistyped, revoked, used again.
    const created = await call(
      '/admin/api-keys',
      { method: 'POST', headers: admin(ADMIN_TOKEN), body: '{"owner":"secrets"}' },
      true,
    );
    expect(created.status).toBe(201);
    const { id: keyId, key } = JSON.parse(created.text) as { id: string; key: string };
    secrets.add(key);
    const nearMiss = `${key.slice(0, -4)}AAAA`;
    secrets.add(nearMiss);
    await call('/v1/jobs', { headers: authHeaders(key) });
    await call('/v1/jobs', { headers: authHeaders(nearMiss) });
    await call('/v1/jobs', { headers: { authorization: key } });
    await call('/admin/api-keys', {
      method: 'POST',
      headers: admin(`${ADMIN_TOKEN}x`),
      body: '{"owner":"x"}',
    });
    await call('/admin/api-keys', {
      method: 'POST',
      headers: admin(ADMIN_TOKEN),
      body: '{"owner":"no spaces allowed"}',
    });

    // Webhook secrets: read and rotated (handing them over), then signing failing and retried callbacks.
    const rotated = await call(
      '/v1/webhook-secret/rotate',
      { method: 'POST', headers: authHeaders(service.key) },
      true,
    );
    for (const s of (JSON.parse(rotated.text) as { secrets: Array<{ secret: string }> }).secrets)
      secrets.add(s.secret);
    const job = await submit(() => service.url, service.key, {
      type: 'demo.sleep',
      input: { duration_ms: 0 },
      callback_url: receiver.url,
    });
    await receiver.waitForRequests(3, 30_000);
    await call(`/v1/jobs/${job.id}/deliveries`, { headers: authHeaders(service.key) });
    await call(`/v1/jobs/${job.id}/deliveries`, { method: 'POST', headers: authHeaders(service.key) });
    await call('/v1/jobs', {
      method: 'POST',
      headers: authHeaders(service.key),
      body: JSON.stringify({ type: 'demo.sleep', input: {}, callback_url: 'http://10.0.0.1/hook' }),
    });
    await call('/v1/jobs', { method: 'POST', headers: authHeaders(service.key), body: '{not json' });

    // WebSocket: a wrong key by header and by message, a right one.
    for (const token of [nearMiss, key]) {
      const ws = new WebSocket(`${service.url.replace('http', 'ws')}/v1/ws`);
      ws.on('error', () => {});
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'auth', token }));
      ws.send(JSON.stringify({ type: 'subscribe', job_id: job.id }));
      await new Promise((r) => setTimeout(r, 300));
      ws.terminate();
    }
    const refused = new WebSocket(`${service.url.replace('http', 'ws')}/v1/ws`, {
      headers: authHeaders(nearMiss),
    });
    await new Promise((r) => {
      refused.once('error', r);
      refused.once('unexpected-response', r);
    });

    expect(
      (await call(`/admin/api-keys/${keyId}`, { method: 'DELETE', headers: admin(ADMIN_TOKEN) })).status,
    ).toBe(204);
    await call('/v1/jobs', { headers: authHeaders(key) });
    captured.push((await call('/metrics')).text);
    expect(await service.terminate()).toBe(0);

    // Every JSON log line of every service this file started, every answer, the metrics.
    const logLines = capturedOutput
      .flatMap((output) => output().split('\n'))
      .filter((line) => line.startsWith('{'));
    const haystack = [...logLines, ...captured];
    const leaks = [...secrets].flatMap((secret) =>
      haystack
        .filter((text) => text.includes(secret))
        .map((text) => `${secret.slice(0, 6)}… in ${text.slice(0, 160)}`),
    );
    report('secrets', {
      secrets_checked: secrets.size,
      log_lines: logLines.length,
      answers_and_metrics: captured.length,
      leaks: leaks.length,
    });
    expect(logLines.length).toBeGreaterThan(3);
    expect(leaks).toEqual([]);
  }, 120_000);
});
