import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemSchema } from '../../src/http/problem.ts';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { startTestService, type TestOwner, type TestService, waitFor } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ RESULT_TTL_SECONDS: '2', JOB_TTL_SECONDS: '4' });
});
afterAll(async () => {
  await svc?.stop();
});

async function submit(
  owner: TestOwner,
  input: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const res = await owner.fetch('/v1/jobs', { method: 'POST', headers, json: { type: 'demo.sleep', input } });
  return { res, job: JobSchema.parse(await res.json()) };
}

describe('GET /v1/jobs/{id}', () => {
  it('answers 200 with Retry-After and an ETag while running, and 304 for the same ETag', async () => {
    const owner = await svc.newOwner();
    const { job } = await submit(owner, { duration_ms: 3000, steps: 3 });
    const running = await waitFor(async () => {
      const r = await owner.fetch(`/v1/jobs/${job.id}`);
      const body = JobSchema.parse(await r.json());
      return body.status === 'running' && body.progress ? { r, body } : undefined;
    });
    expect(running.r.status).toBe(200);
    expect(Number(running.r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const etag = running.r.headers.get('etag');
    expect(etag).toMatch(/^"/);
    const same = await owner.fetch(`/v1/jobs/${job.id}`, { headers: { 'if-none-match': etag ?? '' } });
    if (same.status === 304) {
      expect(await same.text()).toBe('');
      expect(same.headers.get('etag')).toBe(etag);
    } else {
      // progress moved between the two requests: a new tag
      expect(same.headers.get('etag')).not.toBe(etag);
    }
    const weak = await owner.fetch(`/v1/jobs/${job.id}`, {
      headers: { 'if-none-match': `"nope", W/${etag}` },
    });
    expect([200, 304]).toContain(weak.status);
    await owner.fetch(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
  });

  it('answers 304 for a finished job polled with its ETag', async () => {
    const owner = await svc.newOwner();
    const { res } = await submit(owner, { duration_ms: 0 }, { prefer: 'wait=10' });
    expect(res.status).toBe(303);
    const id = new URL(res.headers.get('location') ?? '', svc.url).pathname.split('/')[3] ?? '';
    const first = await owner.fetch(`/v1/jobs/${id}`);
    expect(first.status).toBe(303);
    const second = await owner.fetch(`/v1/jobs/${id}`, {
      headers: { 'if-none-match': first.headers.get('etag') ?? '' },
    });
    expect(second.status).toBe(304);
  });

  it('answers 200 with a problem in error once failed', async () => {
    const owner = await svc.newOwner();
    const { res, job } = await submit(
      owner,
      { duration_ms: 0, fail_with: 'it broke' },
      { prefer: 'wait=10' },
    );
    expect(res.status).toBe(200);
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({
      type: expect.stringMatching(/job-failed$/),
      title: 'Job failed',
      detail: 'it broke',
    });
    const again = await owner.fetch(`/v1/jobs/${job.id}`);
    expect(again.status).toBe(200);
    expect(again.headers.get('retry-after')).toBeNull();
    const result = await owner.fetch(`/v1/jobs/${job.id}/result`);
    expect(result.status).toBe(409);
  });

  it('holds a long-poll until the job changes, and answers a finished job at once', async () => {
    const owner = await svc.newOwner();
    const { job } = await submit(owner, { duration_ms: 600, steps: 2 });
    const polled = await owner.fetch(`/v1/jobs/${job.id}`, { headers: { prefer: 'wait=20' } });
    expect(polled.headers.get('preference-applied')).toBe('wait=20');
    const after = JobSchema.parse(await polled.json());
    expect(after.status !== 'queued' || after.progress !== null).toBe(true);
    const done = await owner.fetch(`/v1/jobs/${job.id}`, { headers: { prefer: 'wait=20' } });
    expect([200, 303]).toContain(done.status);
  });
});

describe('GET /v1/jobs/{id}/result', () => {
  it('answers 409 with the status URL before the job finishes', async () => {
    const owner = await svc.newOwner();
    const { job } = await submit(owner, { duration_ms: 5000 });
    const res = await owner.fetch(`/v1/jobs/${job.id}/result`);
    expect(res.status).toBe(409);
    const problem = ProblemSchema.parse(await res.json());
    expect(problem.job).toBe(`/v1/jobs/${job.id}`);
    await owner.fetch(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
  });

  it('answers 410 after RESULT_TTL_SECONDS while the job stays readable, then 404 after JOB_TTL_SECONDS', async () => {
    const owner = await svc.newOwner();
    const { res, job } = await submit(owner, { duration_ms: 0, output: 42 }, { prefer: 'wait=10' });
    expect(res.status).toBe(303);
    expect((await owner.fetch(`/v1/jobs/${job.id}/result`)).status).toBe(200);
    await waitFor(async () => (await owner.fetch(`/v1/jobs/${job.id}/result`)).status === 410, 10_000, 200);
    expect((await owner.fetch(`/v1/jobs/${job.id}`)).status).toBe(303);
    await waitFor(async () => (await owner.fetch(`/v1/jobs/${job.id}`)).status === 404, 10_000, 200);
    expect((await owner.fetch(`/v1/jobs/${job.id}/result`)).status).toBe(404);
    const list = await (await owner.fetch('/v1/jobs')).json();
    expect(list.data).toEqual([]);
  });
});

describe('POST /v1/jobs/{id}/cancel', () => {
  it('cancels a running job through its AbortSignal: it ends canceled with a canceled problem', async () => {
    const owner = await svc.newOwner();
    const { job } = await submit(owner, { duration_ms: 20_000, steps: 200 });
    await waitFor(async () => (await (await owner.fetch(`/v1/jobs/${job.id}`)).json()).status === 'running');
    const res = await owner.fetch(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(202);
    const final = await waitFor(async () => {
      const body = JobSchema.parse(await (await owner.fetch(`/v1/jobs/${job.id}`)).json());
      return body.status === 'canceled' ? body : undefined;
    });
    expect(final.error?.type).toMatch(/job-canceled$/);
    expect(final.finished_at).not.toBeNull();
    const again = await owner.fetch(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
  });
});
