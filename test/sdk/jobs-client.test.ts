// The package's own name: the "./sdk" export resolves to sdk/index.ts.
import {
  createJobsClient,
  JobFailedError,
  JobsApiError,
  type JobsClient,
  type Progress,
} from 'async-jobs/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

async function newClient(fetchImpl?: typeof fetch): Promise<JobsClient> {
  const owner = await svc.newOwner('sdk');
  return createJobsClient({
    baseUrl: svc.url,
    apiKey: owner.key,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}

describe('the SDK against a live service', () => {
  it('submits, waits with progress, and reads the result of a succeeded job', async () => {
    const client = await newClient();
    const job = await client.submit({
      type: 'demo.sleep',
      input: { duration_ms: 1500, steps: 3, output: { hi: 1 } },
    });
    expect(job.status).toBe('queued');
    const seen: Progress[] = [];
    const result = await client.waitForResult(job.id, { onProgress: (p) => seen.push(p), timeoutMs: 20_000 });
    expect(result.contentType).toMatch(/^application\/json/);
    expect(result.value).toMatchObject({ steps: 3, output: { hi: 1 } });
    expect(seen.length).toBeGreaterThan(0);
    expect((await client.get(job.id)).status).toBe('succeeded');
    expect((await client.result(job.id)).value).toEqual(result.value);
  });

  it('submits a batch in request order, with run_at and priority, and reads a 422 as a JobsApiError', async () => {
    const client = await newClient();
    const runAt = new Date(Date.now() + 3_600_000).toISOString();
    const jobs = await client.submitBatch(
      [
        { type: 'demo.sleep', input: { duration_ms: 0, steps: 1 }, priority: 7 },
        { type: 'demo.sleep', input: { duration_ms: 0, steps: 1 }, run_at: runAt },
      ],
      { idempotencyKey: 'sdk-batch' },
    );
    expect(jobs.map((j) => [j.priority, j.run_at])).toEqual([
      [7, null],
      [0, runAt],
    ]);
    await client.cancel(jobs[1]?.id ?? '');
    const refused = await client
      .submitBatch([{ type: 'demo.sleep', input: { duration_ms: -1 } }])
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(JobsApiError);
    expect((refused as JobsApiError).problem.errors?.[0]?.pointer).toBe('/jobs/0/input/duration_ms');
  });

  it('reads the 303 without following it and fetches the result with the Authorization header', async () => {
    const calls: { url: string; redirect: RequestInit['redirect']; auth: string | null }[] = [];
    const recording: typeof fetch = (input, init) => {
      calls.push({
        url: String(input),
        redirect: init?.redirect,
        auth: new Headers(init?.headers).get('authorization'),
      });
      return fetch(input, init);
    };
    const client = await newClient(recording);
    const job = await client.submit({ type: 'demo.sleep', input: { duration_ms: 0, steps: 1 } });
    await client.waitForResult(job.id, { timeoutMs: 20_000 });
    const status = await client.readStatus(job.id);
    expect(status.status).toBe(303);
    expect(status.resultUrl).toBe(`${svc.url}/v1/jobs/${job.id}/result`);
    expect(calls.every((c) => c.redirect === 'manual' && c.auth?.startsWith('Bearer '))).toBe(true);
    expect(calls.some((c) => c.url.endsWith(`/v1/jobs/${job.id}/result`))).toBe(true);
  });

  it('surfaces 404 and 422 as JobsApiError carrying the problem', async () => {
    const client = await newClient();
    const missing = await client.get('no-such-job').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(JobsApiError);
    expect((missing as JobsApiError).problem).toMatchObject({
      status: 404,
      type: expect.stringMatching(/job-not-found$/),
    });
    const invalid = await client
      .submit({ type: 'demo.sleep', input: { duration_ms: -1 } })
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(JobsApiError);
    expect((invalid as JobsApiError).status).toBe(422);
    expect((invalid as JobsApiError).problem.errors?.[0]?.pointer).toBe('/input/duration_ms');
  });

  it('rejects waitForResult with JobFailedError when the job fails', async () => {
    const client = await newClient();
    const job = await client.submit({ type: 'demo.sleep', input: { duration_ms: 0, fail_with: 'boom' } });
    const error = await client.waitForResult(job.id, { timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).job).toMatchObject({ status: 'failed', error: { detail: 'boom' } });
  });

  it('rejects waitForResult with JobFailedError when the job is canceled meanwhile', async () => {
    const client = await newClient();
    const job = await client.submit({ type: 'demo.sleep', input: { duration_ms: 60_000, steps: 60 } });
    const waiting = client.waitForResult(job.id, { timeoutMs: 20_000 }).catch((e: unknown) => e);
    const canceled = await client.cancel(job.id);
    expect(['canceled', 'running', 'queued']).toContain(canceled.status);
    const error = await waiting;
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).job.status).toBe('canceled');
    // Canceling a finished job is a 409 problem.
    await expect(client.cancel(job.id)).rejects.toMatchObject({ status: 409 });
  });

  it('stops waiting when the AbortSignal fires, and on timeoutMs', async () => {
    const client = await newClient();
    const job = await client.submit({ type: 'demo.sleep', input: { duration_ms: 60_000, steps: 60 } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    await expect(client.waitForResult(job.id, { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    await expect(client.waitForResult(job.id, { timeoutMs: 200 })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    await client.cancel(job.id);
  });

  it('iterates the job list across pages', async () => {
    const client = await newClient();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await client.submit({ type: 'demo.sleep', input: { duration_ms: 0 } })).id);
    }
    const pages: string[][] = [];
    for await (const page of client.list({ limit: 2 })) pages.push(page.data.map((j) => j.id));
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(ids.reverse());
  });
});
