import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canceledError } from '../../src/jobs/job-errors.ts';
import { finishAttempt, readEventsAfter, startAttempt, writeProgress } from '../../src/jobs/job-store.ts';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { startTestService, type TestOwner, type TestService, waitFor } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

async function submitAndWait(owner: TestOwner, type: string, input: unknown) {
  const res = await owner.fetch('/v1/jobs', {
    method: 'POST',
    headers: { prefer: 'wait=30' },
    json: { type, input },
  });
  return { status: res.status, job: JobSchema.parse(await res.json()) };
}

/** The job's status events as its streams replay them (readEventsAfter: stored, and the derived first). */
async function statusEvents(jobId: string) {
  return (await readEventsAfter(svc.sql, jobId, 0))
    .filter((e) => e.kind === 'status')
    .map((e) => ({ seq: e.seq, status: e.payload.status as string, attempt: e.payload.attempt as number }));
}

describe('retries', () => {
  it("retries a throwing handler per the type's policy, bumping attempt, running → queued → running", async () => {
    const owner = await svc.newOwner();
    const { status, job } = await submitAndWait(owner, 'test.flaky', { fail_times: 2 });
    expect(status).toBe(303);
    expect(job.attempt).toBe(3);
    const result = await (await owner.fetch(`/v1/jobs/${job.id}/result`)).json();
    expect(result).toEqual({ attempt: 3 });
    const events = await statusEvents(job.id);
    expect(events.map((e) => e.status)).toEqual([
      'queued',
      'running',
      'queued',
      'running',
      'queued',
      'running',
      'succeeded',
    ]);
  });

  it('fails for good once the retries are spent', async () => {
    const owner = await svc.newOwner();
    const { status, job } = await submitAndWait(owner, 'test.flaky', { fail_times: 10 });
    expect(status).toBe(200);
    expect(job).toMatchObject({ status: 'failed', attempt: 4 });
    expect(job.error?.detail).toBe('planned failure 4');
  });
});

describe('results that cannot be stored', () => {
  it('fails the job once instead of running it again', async () => {
    const owner = await svc.newOwner();
    const { status, job } = await submitAndWait(owner, 'test.unstorable', {});
    expect(status).toBe(200);
    expect(job).toMatchObject({ status: 'failed', attempt: 1 });
    expect(job.error?.detail).toMatch(/could not be stored/);
  });
});

describe('timeouts', () => {
  it('fails a handler that overruns its timeout with a clear error, even if it ignores its signal', async () => {
    const owner = await svc.newOwner();
    const { status, job } = await submitAndWait(owner, 'test.overrun', { ms: 4000 });
    expect(status).toBe(200);
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({
      type: expect.stringMatching(/job-timed-out$/),
      detail: expect.stringMatching(/1 s/),
    });
  });
});

describe('forward-only status', () => {
  it('writes exactly one terminal status when cancel races completion', async () => {
    const owner = await svc.newOwner();
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await owner.fetch('/v1/jobs', {
        method: 'POST',
        json: { type: 'demo.sleep', input: { duration_ms: (i % 8) * 15, steps: 2 } },
      });
      ids.push(JobSchema.parse(await res.json()).id);
    }
    await Promise.all(
      ids.map(async (id, i) => {
        await new Promise((r) => setTimeout(r, (i % 8) * 12));
        await owner.fetch(`/v1/jobs/${id}/cancel`, { method: 'POST' });
      }),
    );
    for (const id of ids) {
      const final = await waitFor(async () => {
        const job = JobSchema.parse(await (await owner.fetch(`/v1/jobs/${id}`)).json());
        return job.status === 'succeeded' || job.status === 'canceled' ? job : undefined;
      });
      const events = await statusEvents(id);
      const terminal = events.filter((e) => ['succeeded', 'failed', 'canceled'].includes(e.status));
      expect(terminal).toHaveLength(1);
      expect(terminal[0]?.status).toBe(final.status);
      expect(events.at(-1)?.status).toBe(final.status);
    }
    const [active] = await svc.sql`
      select count(*)::int as n from jobs where owner_id = ${owner.ownerId} and status in ('queued', 'running')`;
    expect(active?.n).toBe(0);
  });

  it('fences a stale attempt: its late progress and completion change nothing', async () => {
    const owner = await svc.newOwner();
    const res = await owner.fetch('/v1/jobs', {
      method: 'POST',
      json: { type: 'demo.sleep', input: { duration_ms: 60_000, steps: 600 } },
    });
    const job = JobSchema.parse(await res.json());
    const running = await waitFor(async () => {
      const rows = await svc.sql`select attempt from jobs where id = ${job.id} and status = 'running'`;
      return rows[0]?.attempt as number | undefined;
    });
    // Another attempt claims the job, as after an expired or stalled attempt.
    const next = await startAttempt(svc.sql, job.id);
    expect(next?.attempt).toBe(running + 1);
    expect(await writeProgress(svc.sql, job.id, running, { percent: 99, message: 'stale' })).toBe(false);
    const stale = await finishAttempt(
      svc.sql,
      job.id,
      running,
      { status: 'succeeded', output: { stale: true } },
      canceledError(),
    );
    expect(stale).toBeUndefined();
    expect(await writeProgress(svc.sql, job.id, running + 1, { percent: 10 })).toBe(true);
    expect(await writeProgress(svc.sql, job.id, running + 1, { percent: 5 })).toBe(false); // never backwards
    const [row] =
      await svc.sql`select status, attempt, output, progress->>'percent' as percent from jobs where id = ${job.id}`;
    expect(row).toMatchObject({ status: 'running', attempt: running + 1, output: null, percent: '10' });
    await owner.fetch(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
  });
});

describe('progress', () => {
  it('coalesces many progress reports into a few writes', async () => {
    const owner = await svc.newOwner();
    const { job } = await submitAndWait(owner, 'demo.sleep', { duration_ms: 200, steps: 1000 });
    expect(job.progress?.percent).toBe(100);
    const [{ n }] =
      (await svc.sql`select count(*)::int as n from job_events where job_id = ${job.id} and kind = 'progress'`) as unknown as [
        { n: number },
      ];
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(100);
  });
});
