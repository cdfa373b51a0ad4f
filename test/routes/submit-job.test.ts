import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemSchema } from '../../src/http/problem.ts';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { startTestService, type TestOwner, type TestService, waitFor } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ MAX_BODY_BYTES: '4096', MAX_ACTIVE_JOBS_PER_OWNER: '3' });
});
afterAll(async () => {
  await svc?.stop();
});

const sleepJob = (ms = 0) => ({ type: 'demo.sleep', input: { duration_ms: ms, steps: 1 } });

async function post(owner: TestOwner, body: string, headers: Record<string, string> = {}) {
  return owner.fetch('/v1/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

async function expectProblem(res: Response, status: number, pointer?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = ProblemSchema.parse(await res.json());
  expect(problem.status).toBe(status);
  if (pointer !== undefined) expect(problem.errors?.map((e) => e.pointer)).toContain(pointer);
  return problem;
}

async function jobCount(owner: TestOwner) {
  const rows = await svc.sql<
    { n: number }[]
  >`select count(*)::int as n from jobs where owner_id = ${owner.ownerId}`;
  return rows[0]?.n;
}

describe('POST /v1/jobs rejects bad requests with a problem and changes nothing', () => {
  const cases: Array<[string, string, Record<string, string>, number, string?]> = [
    ['malformed JSON', '{"type": "demo.sleep",', {}, 400],
    ['an empty body', '', {}, 400],
    ['a body that is not an object', '[1,2,3]', {}, 422],
    ['a JSON string', '"demo.sleep"', {}, 422],
    ['a missing type', '{"input": {}}', {}, 422, '/type'],
    ['an unknown type', '{"type": "no.such", "input": {}}', {}, 422, '/type'],
    [
      'input of the wrong types',
      '{"type": "demo.sleep", "input": {"duration_ms": "soon"}}',
      {},
      422,
      '/input/duration_ms',
    ],
    [
      'input out of range',
      '{"type": "demo.sleep", "input": {"duration_ms": 1, "steps": 0}}',
      {},
      422,
      '/input/steps',
    ],
    [
      'a NUL character in a string',
      '{"type": "demo.sleep", "input": {"duration_ms": 1, "output": "a\\u0000b"}}',
      {},
      422,
      '/input/output',
    ],
    [
      'a lone surrogate',
      '{"type": "demo.sleep", "input": {"duration_ms": 1, "output": "\\ud800"}}',
      {},
      422,
      '/input/output',
    ],
    [
      'a NUL character in a key',
      '{"type": "demo.sleep", "input": {"duration_ms": 1, "output": {"a\\u0000": 1}}}',
      {},
      422,
      '/input/output/a\u0000',
    ],
    [
      'a __proto__ key spelled with escapes',
      '{"type": "demo.sleep", "input": {"duration_ms": 1, "output": {"\\u005f_proto__": {"x": 1}}}}',
      {},
      422,
      '/input/output/__proto__',
    ],
    [
      'JSON nested 65 deep',
      `{"type":"demo.sleep","input":{"duration_ms":1,"output":${'['.repeat(63)}${']'.repeat(63)}}}`,
      {},
      400,
    ],
    [
      'a body over MAX_BODY_BYTES',
      JSON.stringify({ type: 'demo.sleep', input: { duration_ms: 1, output: 'x'.repeat(5000) } }),
      {},
      413,
    ],
    ['the wrong content type', JSON.stringify(sleepJob()), { 'content-type': 'text/plain' }, 415],
    ['no content type', JSON.stringify(sleepJob()), { 'content-type': '' }, 415],
    [
      'too many metadata keys',
      JSON.stringify({
        ...sleepJob(),
        metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])),
      }),
      {},
      422,
      '/metadata',
    ],
    [
      'a metadata value over 500 characters',
      JSON.stringify({ ...sleepJob(), metadata: { a: 'x'.repeat(501) } }),
      {},
      422,
      '/metadata/a',
    ],
    [
      'a metadata value that is not a string',
      JSON.stringify({ ...sleepJob(), metadata: { a: 1 } }),
      {},
      422,
      '/metadata/a',
    ],
    [
      'a non-https callback URL',
      JSON.stringify({ ...sleepJob(), callback_url: 'ftp://example.com/x' }),
      {},
      422,
      '/callback_url',
    ],
    ['an empty Idempotency-Key', JSON.stringify(sleepJob()), { 'idempotency-key': '' }, 400],
    [
      'an Idempotency-Key over 255 characters',
      JSON.stringify(sleepJob()),
      { 'idempotency-key': 'k'.repeat(256) },
      400,
    ],
  ];
  it.each(cases)('%s', async (_name, body, headers, status, pointer) => {
    const owner = await svc.newOwner();
    const contentType = headers['content-type'];
    const sent =
      contentType === ''
        ? await owner.fetch('/v1/jobs', { method: 'POST', body })
        : await post(owner, body, headers);
    await expectProblem(sent, status, pointer);
    expect(await jobCount(owner)).toBe(0);
    // the process keeps serving
    expect((await post(owner, JSON.stringify(sleepJob()))).status).toBe(202);
  });

  // The body guard looks for NUL and lone surrogates only behind a \u escape: a raw surrogate
  // (its 3-byte form, as CESU-8 writes it) must already be refused as invalid UTF-8.
  it('refuses a raw lone surrogate as invalid UTF-8 (400), creating nothing', async () => {
    const owner = await svc.newOwner();
    const body = Buffer.concat([
      Buffer.from('{"type":"demo.sleep","input":{"duration_ms":1,"output":"'),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from('"}}'),
    ]);
    const res = await owner.fetch('/v1/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await expectProblem(res, 400);
    expect(await jobCount(owner)).toBe(0);
  });

  it('keeps unicode in input and metadata as given', async () => {
    const owner = await svc.newOwner();
    const output = { text: 'zaŻółć gęślą jaźń — 日本語 🚀', nested: { clé: ['✓'] } };
    const res = await post(
      owner,
      JSON.stringify({ ...sleepJob(), input: { duration_ms: 0, output }, metadata: { ключ: 'значение 🚀' } }),
      { prefer: 'wait=10' },
    );
    expect(res.status).toBe(303);
    expect(JobSchema.parse(await res.json()).metadata).toEqual({ ключ: 'значение 🚀' });
    const result = await owner.fetch(new URL(res.headers.get('location') ?? '', svc.url).pathname);
    expect((await result.json()).output).toEqual(output);
  });

  it('answers 401 with WWW-Authenticate without a valid key', async () => {
    for (const authorization of ['', 'Bearer', 'Bearer nope', 'Basic dXNlcjpwYXNz', 'Bearer sk_unknown']) {
      const res = await fetch(`${svc.url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(sleepJob()),
      });
      await expectProblem(res, 401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });
});

describe('Idempotency-Key', () => {
  it('replays the same job for the same key and the same JSON value', async () => {
    const owner = await svc.newOwner();
    const first = await post(owner, '{"type":"demo.sleep","input":{"duration_ms":0,"steps":2}}', {
      'idempotency-key': 'order-1',
    });
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const job = JobSchema.parse(await first.json());
    // same JSON value, other key order and whitespace
    const again = await post(owner, '{ "input": { "steps": 2, "duration_ms": 0 }, "type": "demo.sleep" }', {
      'idempotency-key': 'order-1',
    });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(`/v1/jobs/${job.id}`);
    expect(JobSchema.parse(await again.json()).id).toBe(job.id);
    expect(await jobCount(owner)).toBe(1);
  });

  it('refuses the same key with a different body with 422', async () => {
    const owner = await svc.newOwner();
    expect((await post(owner, JSON.stringify(sleepJob(1)), { 'idempotency-key': 'k' })).status).toBe(202);
    await expectProblem(await post(owner, JSON.stringify(sleepJob(2)), { 'idempotency-key': 'k' }), 422);
    expect(await jobCount(owner)).toBe(1);
  });

  it('scopes keys to the owner', async () => {
    const a = await svc.newOwner();
    const b = await svc.newOwner();
    const ja = JobSchema.parse(
      await (await post(a, JSON.stringify(sleepJob()), { 'idempotency-key': 'same' })).json(),
    );
    const jb = JobSchema.parse(
      await (await post(b, JSON.stringify(sleepJob()), { 'idempotency-key': 'same' })).json(),
    );
    expect(ja.id).not.toBe(jb.id);
  });

  it('creates exactly one job for 50 concurrent requests with one key', async () => {
    const owner = await svc.newOwner();
    const body = JSON.stringify(sleepJob());
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => post(owner, body, { 'idempotency-key': 'burst' })),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.every((s) => s === 202 || s === 409)).toBe(true);
    const ids = new Set<string>();
    for (const r of answers) if (r.status === 202) ids.add(JobSchema.parse(await r.json()).id);
    expect(ids.size).toBe(1);
    expect(await jobCount(owner)).toBe(1);
    for (const r of answers.filter((a) => a.status === 409)) {
      const problem = await expectProblem(r, 409);
      expect(problem.type).toMatch(/idempotency-in-progress/);
    }
  });
});

describe('the per-owner active-job cap', () => {
  it('answers 429 with Retry-After at MAX_ACTIVE_JOBS_PER_OWNER and does not count replays', async () => {
    const owner = await svc.newOwner();
    const long = JSON.stringify(sleepJob(30_000));
    for (let i = 0; i < 3; i++)
      expect((await post(owner, long, { 'idempotency-key': `cap-${i}` })).status).toBe(202);
    const over = await post(owner, long);
    await expectProblem(over, 429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // a replay is answered, not capped
    const replay = await post(owner, long, { 'idempotency-key': 'cap-0' });
    expect(replay.status).toBe(202);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    // another owner is not affected
    const other = await svc.newOwner();
    expect((await post(other, long)).status).toBe(202);
    // canceling one frees a slot
    const list = await (await owner.fetch('/v1/jobs')).json();
    const victim = list.data[0].id;
    expect((await owner.fetch(`/v1/jobs/${victim}/cancel`, { method: 'POST' })).status).toBe(202);
    await waitFor(async () => (await (await owner.fetch(`/v1/jobs/${victim}`)).json()).status === 'canceled');
    expect((await post(owner, JSON.stringify(sleepJob()))).status).toBe(202);
    for (const j of (await (await owner.fetch('/v1/jobs?limit=100')).json()).data) {
      await owner.fetch(`/v1/jobs/${j.id}/cancel`, { method: 'POST' });
    }
    await other.fetch(`/v1/jobs/${(await (await other.fetch('/v1/jobs')).json()).data[0].id}/cancel`, {
      method: 'POST',
    });
  });
});

describe('Prefer: wait on submit', () => {
  it('answers 303 when the job succeeds within the wait, with Preference-Applied', async () => {
    const owner = await svc.newOwner();
    const res = await post(owner, JSON.stringify(sleepJob(50)), { prefer: 'wait=10' });
    expect(res.status).toBe(303);
    expect(res.headers.get('preference-applied')).toBe('wait=10');
    expect(JobSchema.parse(await res.json()).status).toBe('succeeded');
  });

  it('answers 200 with the error when the job fails within the wait', async () => {
    const owner = await svc.newOwner();
    const res = await post(
      owner,
      JSON.stringify({ type: 'demo.sleep', input: { duration_ms: 0, fail_with: 'boom' } }),
      {
        prefer: 'wait=10',
      },
    );
    expect(res.status).toBe(200);
    const job = JobSchema.parse(await res.json());
    expect(job.status).toBe('failed');
    expect(job.error?.detail).toBe('boom');
  });

  it('answers the normal 202 when the wait runs out, capping N at 60', async () => {
    const owner = await svc.newOwner();
    const res = await post(owner, JSON.stringify(sleepJob(5_000)), { prefer: 'wait=1' });
    expect(res.status).toBe(202);
    expect(res.headers.get('preference-applied')).toBe('wait=1');
    const capped = await post(owner, JSON.stringify(sleepJob(0)), { prefer: 'wait=600' });
    expect(capped.headers.get('preference-applied')).toBe('wait=60');
  });
});
