import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey } from '../../src/identity/api-key-store.ts';
import { startTestService, type TestService, waitFor } from '../support/test-service.ts';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
let svc: TestService;
let closed: TestService;
beforeAll(async () => {
  [svc, closed] = await Promise.all([startTestService({ ADMIN_TOKEN }), startTestService()]);
});
afterAll(async () => {
  await Promise.all([svc?.stop(), closed?.stop()]);
});

const admin = (base: string, path: string, init: RequestInit = {}, token = ADMIN_TOKEN) =>
  fetch(`${base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });

describe('admin API keys', () => {
  it('creates a key that authenticates, and revokes it with 204 so it answers 401 at once', async () => {
    const created = await admin(svc.url, '/admin/api-keys', {
      method: 'POST',
      body: JSON.stringify({ owner: 'acme' }),
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { id: string; owner: string; key: string };
    expect(body).toMatchObject({
      owner: 'acme',
      id: expect.stringMatching(/^key_/),
      key: expect.stringMatching(/^sk_/),
    });
    const asAcme = { authorization: `Bearer ${body.key}` };
    expect((await fetch(`${svc.url}/v1/jobs`, { headers: asAcme })).status).toBe(200);
    // the key is stored only as a hash
    const rows = await svc.sql`select key_hash from api_keys where id = ${body.id}`;
    expect(rows[0]?.key_hash).not.toContain(body.key);
    expect((await admin(svc.url, `/admin/api-keys/${body.id}`, { method: 'DELETE' })).status).toBe(204);
    const after = await fetch(`${svc.url}/v1/jobs`, { headers: asAcme });
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await admin(svc.url, `/admin/api-keys/${body.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('answers 404 problem+json, not 500, for key ids that cannot name a key (found by the fuzz suite)', async () => {
    for (const id of ['%00', 'key_%00', 'key_short', '%F0%9F%92%A5', 'x'.repeat(300)]) {
      const res = await admin(svc.url, `/admin/api-keys/${id}`, { method: 'DELETE' });
      expect(res.status, id).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('drops a key revoked by another process from the cache', async () => {
    const owner = await svc.newOwner();
    expect((await owner.fetch('/v1/jobs')).status).toBe(200); // cached now
    const [row] = await svc.sql`select id from api_keys where owner_id = ${owner.ownerId}`;
    expect(await revokeApiKey(svc.sql, row?.id)).toBe(true);
    await waitFor(async () => (await owner.fetch('/v1/jobs')).status === 401, 5_000);
  });

  it('refuses a wrong admin token with 401 and an invalid owner with 422', async () => {
    const wrong = await admin(
      svc.url,
      '/admin/api-keys',
      { method: 'POST', body: '{"owner":"x"}' },
      'not-the-token-000000',
    );
    expect(wrong.status).toBe(401);
    const bad = await admin(svc.url, '/admin/api-keys', {
      method: 'POST',
      body: JSON.stringify({ owner: 'no spaces!' }),
    });
    expect(bad.status).toBe(422);
    expect((await admin(svc.url, '/admin/api-keys', { method: 'POST', body: '{' })).status).toBe(400);
  });

  it('answers 404 on every admin route when ADMIN_TOKEN is unset', async () => {
    expect(
      (await admin(closed.url, '/admin/api-keys', { method: 'POST', body: '{"owner":"x"}' })).status,
    ).toBe(404);
    expect((await admin(closed.url, '/admin/api-keys/key_x', { method: 'DELETE' })).status).toBe(404);
  });
});

describe('service routes', () => {
  it('reports health, readiness and metrics without auth', async () => {
    expect(await (await fetch(`${svc.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${svc.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { database: true, migrations: true, workers: true },
    });
    const owner = await svc.newOwner();
    const done = await owner.fetch('/v1/jobs', {
      method: 'POST',
      headers: { prefer: 'wait=20' },
      json: { type: 'demo.sleep', input: { duration_ms: 0 } },
    });
    expect(done.status).toBe(303);
    // The 303 can come from the job's NOTIFY a moment before the worker counts the finish.
    const metrics = await waitFor(async () => {
      const text = await (await fetch(`${svc.url}/metrics`)).text();
      return /jobs_finished_total\{type="demo.sleep",status="succeeded"\} [1-9]/.test(text) && text;
    }, 5_000);
    expect(metrics).toMatch(/http_requests_total/);
    expect(metrics).toMatch(/jobs_submitted_total\{type="demo.sleep"\} [1-9]/);
    expect(metrics).toMatch(/jobs_finished_total\{type="demo.sleep",status="succeeded"\} [1-9]/);
    expect(metrics).toMatch(/jobs_active\{status="queued"\} \d+/);
    expect(metrics).toMatch(/open_streams\{kind="sse"\} 0/);
    expect((await fetch(`${svc.url}/docs`)).status).toBe(200);
  });
});
