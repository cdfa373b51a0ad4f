// The dashboard over plain HTTP: sign-in cookie attributes, CSRF refusal, and owner scoping.
// Pages are HTML, not API operations, so they are fetched past the OpenAPI conformance check.
import { fetch as plainFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey } from '../../src/identity/api-key-store.ts';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { startTestService, type TestOwner, type TestService, waitFor } from '../support/test-service.ts';

let svc: TestService;
let alice: TestOwner;
let bob: TestOwner;
let aliceJob: string;

async function signIn(key: string): Promise<string> {
  const res = await plainFetch(`${svc.url}/dashboard/login`, {
    method: 'POST',
    headers: { origin: svc.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ api_key: key }).toString(),
    redirect: 'manual',
  });
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie') ?? '';
  return cookie.split(';')[0] as string;
}

function page(
  path: string,
  cookie: string,
  init: { method?: string; origin?: string; form?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { cookie };
  if (init.origin) headers.origin = init.origin;
  if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  return plainFetch(`${svc.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    redirect: 'manual',
  });
}

beforeAll(async () => {
  svc = await startTestService();
  alice = await svc.newOwner('alice');
  bob = await svc.newOwner('bob');
  const res = await alice.fetch('/v1/jobs', {
    method: 'POST',
    headers: { prefer: 'wait=20' },
    json: { type: 'test.flaky', input: { fail_times: 0 } },
  });
  aliceJob = JobSchema.parse(await res.json()).id;
});
afterAll(async () => {
  await svc?.stop();
});

describe('signing in', () => {
  it('sends a browser without a session to the sign-in page', async () => {
    const res = await plainFetch(`${svc.url}/dashboard`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard/login');
  });

  it('refuses an unknown key with 401 and sets no cookie', async () => {
    const res = await plainFetch(`${svc.url}/dashboard/login`, {
      method: 'POST',
      headers: { origin: svc.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'api_key=sk_nope',
      redirect: 'manual',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('not valid');
  });

  it('keeps the key in an HttpOnly, SameSite=Strict cookie scoped to /dashboard', async () => {
    const res = await plainFetch(`${svc.url}/dashboard/login`, {
      method: 'POST',
      headers: { origin: svc.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: alice.key }).toString(),
      redirect: 'manual',
    });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/dashboard/);
  });

  it('serves its pages under a CSP that allows scripts from the service only', async () => {
    const res = await page('/dashboard', await signIn(alice.key));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain(aliceJob.slice(0, 8));
  });
});

describe('cross-site requests', () => {
  it('refuses a form post from another origin, even with the session cookie', async () => {
    const cookie = await signIn(alice.key);
    const before = await svc.sql`select count(*)::int as n from jobs where owner_id = ${alice.ownerId}`;
    const res = await page('/dashboard/submit', cookie, {
      method: 'POST',
      origin: 'https://evil.example',
      form: { type: 'demo.sleep', 'input.duration_ms': '0' },
    });
    expect(res.status).toBe(403);
    const after = await svc.sql`select count(*)::int as n from jobs where owner_id = ${alice.ownerId}`;
    expect(after[0]?.n).toBe(before[0]?.n);
  });

  it('accepts the same post from its own origin', async () => {
    const cookie = await signIn(alice.key);
    const res = await page('/dashboard/submit', cookie, {
      method: 'POST',
      origin: svc.url,
      form: { type: 'demo.sleep', 'input.duration_ms': '0', 'input.steps': '1' },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/dashboard\/jobs\/[0-9a-f-]{36}$/);
  });

  it("shows the API's 422 pointers next to the form fields", async () => {
    const cookie = await signIn(alice.key);
    const res = await page('/dashboard/submit', cookie, {
      method: 'POST',
      origin: svc.url,
      form: { type: 'demo.sleep', 'input.duration_ms': '-5' },
    });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('field-error');
  });
});

describe('owner scoping', () => {
  it("never shows one owner's job, its page, its result or its events to another", async () => {
    const cookie = await signIn(bob.key);
    const list = await (await page('/dashboard', cookie)).text();
    expect(list).not.toContain(aliceJob.slice(0, 8));
    expect(list).not.toContain('test.flaky</td>');
    const detail = await page(`/dashboard/jobs/${aliceJob}`, cookie);
    expect(detail.status).toBe(404);
    const missing = await page('/dashboard/jobs/00000000-0000-4000-8000-000000000000', cookie);
    expect(missing.status).toBe(404);
    expect(await detail.text()).toBe(await missing.text());
    const result = await page(`/dashboard/jobs/${aliceJob}/result`, cookie);
    expect(result.status).toBe(404);
    const live = await page(`/dashboard/live?ids=${aliceJob}`, cookie);
    const stream = await live.text();
    expect(stream).toContain('event: end');
    expect(stream).not.toContain(aliceJob);
  });

  it('signs out a session whose key was revoked', async () => {
    const carol = await svc.newOwner('carol');
    const cookie = await signIn(carol.key);
    expect((await page('/dashboard', cookie)).status).toBe(200);
    const [row] = await svc.sql<{ id: string }[]>`select id from api_keys where owner_id = ${carol.ownerId}`;
    await revokeApiKey(svc.sql, row?.id as string);
    const res = await waitFor(async () => {
      const r = await page('/dashboard', cookie);
      return r.status === 303 ? r : undefined;
    });
    expect(res.headers.get('location')).toBe('/dashboard/login');
  });
});
