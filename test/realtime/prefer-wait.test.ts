import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { startTestService, type TestService } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

const timed = async <T>(work: () => Promise<T>) => {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
};

describe('Prefer: wait (long-poll)', () => {
  it('returns early from POST /v1/jobs when the job finishes within the wait', async () => {
    const owner = await svc.newOwner();
    const { value: r, ms } = await timed(() =>
      owner.fetch('/v1/jobs', {
        method: 'POST',
        headers: { prefer: 'wait=20' },
        json: { type: 'demo.sleep', input: { duration_ms: 300, steps: 1 } },
      }),
    );
    expect(r.status).toBe(303);
    expect(r.headers.get('preference-applied')).toBe('wait=20');
    expect(ms).toBeLessThan(5000);
  });

  it('answers POST /v1/jobs with 202 after about N seconds when the job is still running', async () => {
    const owner = await svc.newOwner();
    const { value: r, ms } = await timed(() =>
      owner.fetch('/v1/jobs', {
        method: 'POST',
        headers: { prefer: 'wait=1' },
        json: { type: 'demo.sleep', input: { duration_ms: 30_000, steps: 1 } },
      }),
    );
    expect(r.status).toBe(202);
    expect(r.headers.get('preference-applied')).toBe('wait=1');
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(3000);
    const job = JobSchema.parse(await r.json());
    await owner.fetch(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
  });

  it('returns early from GET /v1/jobs/{id} when the job finishes within the wait', async () => {
    const owner = await svc.newOwner();
    const submit = await owner.fetch('/v1/jobs', {
      method: 'POST',
      json: { type: 'demo.sleep', input: { duration_ms: 30_000, steps: 1 } },
    });
    const job = JobSchema.parse(await submit.json());
    // Hold until running, so the next change is the cancel's terminal status.
    for (let i = 0; i < 20; i++) {
      const r = await owner.fetch(`/v1/jobs/${job.id}`, { headers: { prefer: 'wait=5' } });
      if (JobSchema.parse(await r.json()).status === 'running') break;
    }
    const waiting = timed(() => owner.fetch(`/v1/jobs/${job.id}`, { headers: { prefer: 'wait=20' } }));
    await new Promise((r) => setTimeout(r, 300));
    await owner.fetch(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
    const { value: r, ms } = await waiting;
    expect(r.status).toBe(200);
    expect(r.headers.get('preference-applied')).toBe('wait=20');
    expect(JobSchema.parse(await r.json()).status).toBe('canceled');
    expect(ms).toBeLessThan(5000);
  });

  it('answers GET /v1/jobs/{id} after about N seconds when nothing changes', async () => {
    const owner = await svc.newOwner();
    const submit = await owner.fetch('/v1/jobs', {
      method: 'POST',
      json: { type: 'demo.sleep', input: { duration_ms: 30_000, steps: 1 } },
    });
    const job = JobSchema.parse(await submit.json());
    for (let i = 0; i < 20; i++) {
      const r = await owner.fetch(`/v1/jobs/${job.id}`, { headers: { prefer: 'wait=5' } });
      if (JobSchema.parse(await r.json()).status === 'running') break;
    }
    const { value: r, ms } = await timed(() =>
      owner.fetch(`/v1/jobs/${job.id}`, { headers: { prefer: 'wait=2' } }),
    );
    expect(r.status).toBe(200);
    expect(JobSchema.parse(await r.json()).status).toBe('running');
    expect(ms).toBeGreaterThanOrEqual(1950);
    expect(ms).toBeLessThan(4000);
    await owner.fetch(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
  });
});
