import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { startTestService, type TestService, waitFor } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

describe('job lifecycle', () => {
  it('answers 202 with Location and Retry-After, then 303 to the result once succeeded', async () => {
    const owner = await svc.newOwner();
    const submit = await owner.fetch('/v1/jobs', {
      method: 'POST',
      json: {
        type: 'demo.sleep',
        input: { duration_ms: 200, steps: 4, output: { hello: 'world' } },
        metadata: { a: 'b' },
      },
    });
    expect(submit.status).toBe(202);
    const job = JobSchema.parse(await submit.json());
    expect(submit.headers.get('location')).toBe(`/v1/jobs/${job.id}`);
    expect(Number(submit.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(job).toMatchObject({
      status: 'queued',
      attempt: 0,
      progress: null,
      metadata: { a: 'b' },
      error: null,
    });

    const done = await waitFor(async () => {
      const r = await owner.fetch(`/v1/jobs/${job.id}`);
      return r.status === 303 ? r : undefined;
    });
    expect(done.headers.get('location')).toBe(`/v1/jobs/${job.id}/result`);
    const finished = JobSchema.parse(await done.json());
    expect(finished).toMatchObject({ status: 'succeeded', attempt: 1, progress: { percent: 100 } });
    expect(finished.links.result).toBe(`/v1/jobs/${job.id}/result`);

    const result = await owner.fetch(`/v1/jobs/${job.id}/result`);
    expect(result.status).toBe(200);
    expect(await result.json()).toMatchObject({ steps: 4, output: { hello: 'world' } });
  });

  it('serves a file artifact with its own content type', async () => {
    const owner = await svc.newOwner();
    const from = new Date(Date.now() - 60_000).toISOString();
    await owner.fetch('/v1/jobs', {
      method: 'POST',
      json: { type: 'demo.sleep', input: { duration_ms: 0 } },
    });
    const to = new Date(Date.now() + 60_000).toISOString();
    const submit = await owner.fetch('/v1/jobs', {
      method: 'POST',
      headers: { prefer: 'wait=20' },
      json: { type: 'report.jobs_csv', input: { from, to } },
    });
    expect(submit.status).toBe(303);
    const result = await owner.fetch(new URL(submit.headers.get('location') ?? '', svc.url).pathname);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await result.text()).trim().split('\r\n');
    expect(lines[0]).toBe('id,type,status,attempt,created_at,finished_at,duration_ms');
    expect(lines.length).toBe(3); // the demo job and the report itself
  });
});
