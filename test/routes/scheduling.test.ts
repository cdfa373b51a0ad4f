// run_at and priority at submit (CONTRACT "Scheduling"): what is accepted, what is refused with
// which pointer, what the job resource shows, and the Retry-After of a job not yet due.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { startTestService, type TestService } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  // ROLE=api: nothing runs, so scheduled and queued jobs stay as submitted.
  svc = await startTestService({ ROLE: 'api' });
});
afterAll(async () => {
  await svc?.stop();
});

const sleepJob = { type: 'demo.sleep', input: { duration_ms: 0, steps: 1 } };
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

describe('run_at and priority on submit', () => {
  it.each([
    ['more than 365 days ahead', { run_at: inSeconds(366 * 86_400) }, '/run_at'],
    ['not a time', { run_at: 'tomorrow' }, '/run_at'],
    ['a time without an offset', { run_at: '2030-01-01T09:00:00' }, '/run_at'],
    ['an impossible date', { run_at: '2030-02-30T09:00:00Z' }, '/run_at'],
    ['a number', { run_at: 1_900_000_000 }, '/run_at'],
    ['a priority above 100', { priority: 101 }, '/priority'],
    ['a priority below -100', { priority: -101 }, '/priority'],
    ['a priority that is not an integer', { priority: 1.5 }, '/priority'],
    ['a priority given as a string', { priority: '5' }, '/priority'],
    ['a null priority', { priority: null }, '/priority'],
  ])('answers 422 with the pointer for %s, and creates nothing', async (_, extra, pointer) => {
    const owner = await svc.newOwner();
    const res = await owner.fetch('/v1/jobs', { method: 'POST', json: { ...sleepJob, ...extra } });
    expect(res.status).toBe(422);
    const problem = await res.json();
    expect(problem.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    const [row] = await svc.sql<{ n: number }[]>`
      select count(*)::int as n from jobs where owner_id = ${owner.ownerId}`;
    expect(row?.n).toBe(0);
  });

  it('shows run_at and priority in the job, null and 0 when omitted', async () => {
    const owner = await svc.newOwner();
    const plain = JobSchema.parse(
      await (await owner.fetch('/v1/jobs', { method: 'POST', json: sleepJob })).json(),
    );
    expect(plain.run_at).toBeNull();
    expect(plain.priority).toBe(0);
    // 30 days ahead, written with a +02:00 offset.
    const utc = new Date(Math.floor(Date.now() / 1000) * 1000 + 30 * 86_400_000);
    const runAt = new Date(utc.getTime() + 2 * 3_600_000).toISOString().replace('.000Z', '+02:00');
    const res = await owner.fetch('/v1/jobs', {
      method: 'POST',
      json: { ...sleepJob, run_at: runAt, priority: -100 },
    });
    expect(res.status).toBe(202);
    const job = JobSchema.parse(await res.json());
    expect(job.run_at).toBe(utc.toISOString());
    expect(job.priority).toBe(-100);
    expect(job.status).toBe('queued');
    const listed = await (await owner.fetch('/v1/jobs')).json();
    expect(listed.data.find((j: { id: string }) => j.id === job.id)).toMatchObject({
      run_at: job.run_at,
      priority: -100,
    });
  });

  it('takes a past or null run_at as due now, showing the time given', async () => {
    const owner = await svc.newOwner();
    const past = '2020-05-01T00:00:00Z';
    const job = JobSchema.parse(
      await (await owner.fetch('/v1/jobs', { method: 'POST', json: { ...sleepJob, run_at: past } })).json(),
    );
    expect(job.run_at).toBe('2020-05-01T00:00:00.000Z');
    const nulled = JobSchema.parse(
      await (await owner.fetch('/v1/jobs', { method: 'POST', json: { ...sleepJob, run_at: null } })).json(),
    );
    expect(nulled.run_at).toBeNull();
    // Due now: pg-boss may hand both out at once.
    const [row] = await svc.sql<{ due: number }[]>`
      select count(*)::int as due from pgboss.job where id = any(${[job.id, nulled.id]}::uuid[]) and start_after <= now()`;
    expect(row?.due).toBe(2);
  });

  it("answers a scheduled job's status with a Retry-After that points at its start", async () => {
    const owner = await svc.newOwner();
    const res = await owner.fetch('/v1/jobs', {
      method: 'POST',
      json: { ...sleepJob, run_at: inSeconds(3600) },
    });
    const retryAfterOnSubmit = Number(res.headers.get('retry-after'));
    expect(retryAfterOnSubmit).toBeGreaterThan(3500);
    expect(retryAfterOnSubmit).toBeLessThanOrEqual(3600);
    const job = JobSchema.parse(await res.json());
    const status = await owner.fetch(`/v1/jobs/${job.id}`);
    expect(status.status).toBe(200);
    const retryAfter = Number(status.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    // The queue entry waits for the same time.
    const [entry] = await svc.sql<{ start_after: Date }[]>`
      select start_after from pgboss.job where id = ${job.id}::uuid`;
    expect(entry?.start_after.toISOString()).toBe(job.run_at);
  });

  it('cancels a scheduled job like any queued job, and counts it against the cap', async () => {
    const capped = await startTestService({ ROLE: 'api', MAX_ACTIVE_JOBS_PER_OWNER: '1' });
    try {
      const owner = await capped.newOwner();
      const res = await owner.fetch('/v1/jobs', {
        method: 'POST',
        json: { ...sleepJob, run_at: inSeconds(600) },
      });
      const job = JobSchema.parse(await res.json());
      const refused = await owner.fetch('/v1/jobs', { method: 'POST', json: sleepJob });
      expect(refused.status).toBe(429);
      const cancel = await owner.fetch(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
      expect(cancel.status).toBe(202);
      expect((await cancel.json()).status).toBe('canceled');
      expect((await owner.fetch('/v1/jobs', { method: 'POST', json: sleepJob })).status).toBe(202);
    } finally {
      await capped.stop();
    }
  });
});
