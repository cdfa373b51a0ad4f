// /metrics: job timing histograms, an optional token, and a backlog gauge that is cached so a
// scrape costs no SQL most of the time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheFor } from '../../src/observability/metrics.ts';
import { startTestService, type TestService, waitFor } from '../support/test-service.ts';

const TOKEN = 'metrics-token-0123456789';
let open: TestService;
let guarded: TestService;

beforeAll(async () => {
  [open, guarded] = await Promise.all([startTestService(), startTestService({ METRICS_TOKEN: TOKEN })]);
});
afterAll(async () => {
  await Promise.all([open?.stop(), guarded?.stop()]);
});

describe('GET /metrics', () => {
  it('has queue-wait and run-time histograms per job type once a job has finished', async () => {
    const owner = await open.newOwner('metrics');
    await owner.fetch('/v1/jobs', {
      method: 'POST',
      headers: { prefer: 'wait=20' },
      json: { type: 'demo.sleep', input: { duration_ms: 50, steps: 1 } },
    });
    const text = await waitFor(async () => {
      const body = await (await fetch(`${open.url}/metrics`)).text();
      return body.includes('job_run_seconds_count{type="demo.sleep",status="succeeded"} 1')
        ? body
        : undefined;
    });
    expect(text).toMatch(/job_queue_wait_seconds_count\{type="demo.sleep"\} 1/);
    expect(text).toMatch(/job_run_seconds_bucket\{le="[\d.]+",type="demo.sleep",status="succeeded"\}/);
    expect(text).toContain('jobs_active{status="queued"}');
  });

  it('wants METRICS_TOKEN as a Bearer token when it is set', async () => {
    const none = await fetch(`${guarded.url}/metrics`);
    expect(none.status).toBe(401);
    await none.body?.cancel();
    const wrong = await fetch(`${guarded.url}/metrics`, {
      headers: { authorization: 'Bearer not-the-token-at-all' },
    });
    expect(wrong.status).toBe(401);
    await wrong.body?.cancel();
    const right = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('http_requests_total');
  });
});

describe('cacheFor', () => {
  it('reads once for any number of callers within the interval, and again after it', async () => {
    let reads = 0;
    const read = cacheFor(50, async () => ++reads);
    expect(await Promise.all([read(), read(), read()])).toEqual([1, 1, 1]);
    expect(await read()).toBe(1);
    await new Promise((r) => setTimeout(r, 80));
    expect(await read()).toBe(2);
  });

  it('does not keep a failed read', async () => {
    let reads = 0;
    const read = cacheFor(60_000, async () => {
      reads += 1;
      if (reads === 1) throw new Error('database away');
      return reads;
    });
    await expect(read()).rejects.toThrow('database away');
    await Promise.resolve();
    expect(await read()).toBe(2);
  });
});
