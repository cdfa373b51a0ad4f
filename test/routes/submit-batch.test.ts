// POST /v1/jobs/batch: all or nothing, request order, 422 pointers per item, the cap for the whole
// batch, and an Idempotency-Key that covers the batch. ROLE=api: jobs stay queued.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobBatchSchema } from '../../src/routes/jobs/schemas.ts';
import { startTestService, type TestOwner, type TestService } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({
    ROLE: 'api',
    MAX_BATCH_JOBS: '5',
    MAX_ACTIVE_JOBS_PER_OWNER: '8',
    CALLBACK_ALLOW_HTTP: 'true',
  });
});
afterAll(async () => {
  await svc?.stop();
});

const sleepJob = (n: number) => ({ type: 'demo.sleep', input: { duration_ms: 0, steps: 1, output: n } });
const submitBatch = (owner: TestOwner, body: unknown, headers: Record<string, string> = {}) =>
  owner.fetch('/v1/jobs/batch', { method: 'POST', json: body, headers });
const countJobs = async (ownerId: string) => {
  const [row] = await svc.sql<
    { n: number }[]
  >`select count(*)::int as n from jobs where owner_id = ${ownerId}`;
  return row?.n;
};

/** jobs_submitted_total by type, as /metrics shows it now. */
async function submittedByType(): Promise<Record<string, number>> {
  const text = await (await fetch(`${svc.url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const [, type, n] of text.matchAll(/^jobs_submitted_total\{type="([^"]+)"\} (\d+)$/gm))
    counts[type as string] = Number(n);
  return counts;
}

describe('POST /v1/jobs/batch', () => {
  it('counts every job of a batch in jobs_submitted_total, by type', async () => {
    const owner = await svc.newOwner();
    const before = await submittedByType();
    const res = await submitBatch(owner, {
      jobs: [
        sleepJob(0),
        sleepJob(1),
        { type: 'report.jobs_csv', input: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' } },
      ],
    });
    expect(res.status).toBe(202);
    const after = await submittedByType();
    expect((after['demo.sleep'] ?? 0) - (before['demo.sleep'] ?? 0)).toBe(2);
    expect((after['report.jobs_csv'] ?? 0) - (before['report.jobs_csv'] ?? 0)).toBe(1);
  });

  it('creates every job, queued, and answers 202 with them in request order', async () => {
    const owner = await svc.newOwner();
    const res = await submitBatch(owner, {
      jobs: [
        sleepJob(0),
        { ...sleepJob(1), metadata: { batch: 'yes' }, priority: 5 },
        { type: 'report.jobs_csv', input: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' } },
      ],
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBeNull();
    const body = JobBatchSchema.parse(await res.json());
    expect(body.data.map((j) => j.type)).toEqual(['demo.sleep', 'demo.sleep', 'report.jobs_csv']);
    expect(body.data[1]?.metadata).toEqual({ batch: 'yes' });
    expect(body.data[1]?.priority).toBe(5);
    for (const job of body.data) {
      expect(job.status).toBe('queued');
      expect(job.links.self).toBe(`/v1/jobs/${job.id}`);
      expect((await owner.fetch(job.links.self)).status).toBe(200);
    }
    const [queue] = await svc.sql<{ n: number }[]>`
      select count(*)::int as n from pgboss.job where id = any(${body.data.map((j) => j.id)}::uuid[])`;
    expect(queue?.n).toBe(3);
  });

  it('answers each job as a read of it returns it (the rows are not read back after the insert)', async () => {
    const owner = await svc.newOwner();
    // An offset and digits past the millisecond that the database would round up to the next
    // second: the answer and the stored value must agree.
    const runAt = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, '.9999996+00:00');
    const res = await submitBatch(owner, {
      jobs: [
        sleepJob(0),
        {
          ...sleepJob(1),
          metadata: { a: 'b' },
          priority: -3,
          run_at: runAt,
        },
      ],
    });
    expect(res.status).toBe(202);
    const { data } = JobBatchSchema.parse(await res.json());
    expect(data[1]?.run_at).toBe(new Date(runAt).toISOString());
    for (const job of data) {
      const read = await owner.fetch(job.links.self);
      expect(await read.json()).toEqual(job);
    }
  });

  it("queues a batch's due jobs in request order for pg-boss's tie-break (start_after)", async () => {
    const owner = await svc.newOwner();
    const res = await submitBatch(owner, { jobs: [sleepJob(0), sleepJob(1), sleepJob(2), sleepJob(3)] });
    const ids = JobBatchSchema.parse(await res.json()).data.map((j) => j.id);
    const rows = await svc.sql<{ id: string; at: string }[]>`
      select id::text, (extract(epoch from start_after) * 1e6)::bigint::text as at
      from pgboss.job where id = any(${ids}::uuid[])`;
    const startAfter = ids.map((id) => BigInt(rows.find((r) => r.id === id)?.at ?? '0'));
    for (let i = 1; i < startAfter.length; i++)
      expect(startAfter[i] ?? 0n).toBeGreaterThan(startAfter[i - 1] ?? 0n);
  });

  it('writes the whole batch in one transaction', async () => {
    const owner = await svc.newOwner();
    const res = await submitBatch(owner, { jobs: [sleepJob(0), sleepJob(1), sleepJob(2)] });
    const ids = JobBatchSchema.parse(await res.json()).data.map((j) => j.id);
    const rows = await svc.sql<{ xmin: string }[]>`select xmin::text from jobs where id = any(${ids})`;
    expect(new Set(rows.map((r) => r.xmin)).size).toBe(1);
  });

  it('answers 422 with pointers prefixed by the item index, and creates nothing', async () => {
    const owner = await svc.newOwner();
    const res = await submitBatch(owner, {
      jobs: [
        sleepJob(0),
        { type: 'demo.sleep', input: { duration_ms: -1 } },
        { type: 'no.such.type' },
        { ...sleepJob(3), callback_url: 'http://127.0.0.1:9/hook' },
      ],
    });
    expect(res.status).toBe(422);
    const problem = await res.json();
    const pointers = problem.errors.map((e: { pointer: string }) => e.pointer);
    expect(pointers).toContain('/jobs/1/input/duration_ms');
    expect(pointers).toContain('/jobs/2/type');
    expect(pointers).toContain('/jobs/3/callback_url');
    expect(pointers.some((p: string) => p.startsWith('/jobs/0'))).toBe(false);
    expect(await countJobs(owner.ownerId)).toBe(0);
  });

  it.each([
    ['no items', { jobs: [] }],
    ['more than MAX_BATCH_JOBS items', { jobs: Array.from({ length: 6 }, (_, i) => sleepJob(i)) }],
    ['jobs that is not an array', { jobs: { type: 'demo.sleep' } }],
    ['no jobs member', {}],
  ])('answers 422 with pointer /jobs for %s', async (_, body) => {
    const owner = await svc.newOwner();
    const res = await submitBatch(owner, body);
    expect(res.status).toBe(422);
    const problem = await res.json();
    expect(problem.errors.map((e: { pointer: string }) => e.pointer)).toContain('/jobs');
    expect(await countJobs(owner.ownerId)).toBe(0);
  });

  it('answers 422 with the item pointer for an invalid run_at or priority', async () => {
    const owner = await svc.newOwner();
    const tooFar = new Date(Date.now() + 366 * 86_400_000).toISOString();
    const res = await submitBatch(owner, {
      jobs: [sleepJob(0), { ...sleepJob(1), run_at: tooFar }, { ...sleepJob(2), priority: 101 }],
    });
    expect(res.status).toBe(422);
    const pointers = (await res.json()).errors.map((e: { pointer: string }) => e.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/jobs/1/run_at', '/jobs/2/priority']));
    expect(await countJobs(owner.ownerId)).toBe(0);
  });

  it('answers 429 when the batch would exceed the cap, and creates nothing', async () => {
    const owner = await svc.newOwner();
    expect(
      (await submitBatch(owner, { jobs: [sleepJob(0), sleepJob(1), sleepJob(2), sleepJob(3)] })).status,
    ).toBe(202);
    const res = await submitBatch(owner, { jobs: Array.from({ length: 5 }, (_, i) => sleepJob(i)) });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await countJobs(owner.ownerId)).toBe(4);
    // What still fits is accepted.
    expect(
      (await submitBatch(owner, { jobs: [sleepJob(0), sleepJob(1), sleepJob(2), sleepJob(3)] })).status,
    ).toBe(202);
    expect(await countJobs(owner.ownerId)).toBe(8);
  });

  it('replays the same jobs for the same Idempotency-Key and body, and refuses another body', async () => {
    const owner = await svc.newOwner();
    const headers = { 'idempotency-key': 'batch-1' };
    const first = await submitBatch(owner, { jobs: [sleepJob(0), sleepJob(1)] }, headers);
    expect(first.status).toBe(202);
    const ids = JobBatchSchema.parse(await first.json()).data.map((j) => j.id);
    // The same JSON value, spelled differently.
    const again = await owner.fetch('/v1/jobs/batch', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ jobs: [sleepJob(0), sleepJob(1)] }, null, 2),
    });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(JobBatchSchema.parse(await again.json()).data.map((j) => j.id)).toEqual(ids);
    expect(await countJobs(owner.ownerId)).toBe(2);

    const other = await submitBatch(owner, { jobs: [sleepJob(0)] }, headers);
    expect(other.status).toBe(422);
    expect((await other.json()).type).toMatch(/idempotency-key-reused$/);
    // A key used by a batch is not a single submit's key.
    const single = await owner.fetch('/v1/jobs', { method: 'POST', json: sleepJob(0), headers });
    expect(single.status).toBe(422);
    expect(await countJobs(owner.ownerId)).toBe(2);
  });

  it('answers 409 while a request with the same Idempotency-Key is in flight', async () => {
    const owner = await svc.newOwner();
    const key = 'batch-in-flight';
    // Hold the key's lock as an in-flight request would (idempotency.ts tryLockIdempotencyKey).
    await svc.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtextextended(${`${owner.ownerId}\u0001${key}`}, 7461923))`;
      const res = await submitBatch(owner, { jobs: [sleepJob(0)] }, { 'idempotency-key': key });
      expect(res.status).toBe(409);
      expect(res.headers.get('retry-after')).toBe('1');
    });
    expect(await countJobs(owner.ownerId)).toBe(0);
  });

  it('answers 400 for a malformed body or Idempotency-Key, and 415 for another media type', async () => {
    const owner = await svc.newOwner();
    const malformed = await owner.fetch('/v1/jobs/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"jobs": [',
    });
    expect(malformed.status).toBe(400);
    const badKey = await submitBatch(owner, { jobs: [sleepJob(0)] }, { 'idempotency-key': '' });
    expect(badKey.status).toBe(400);
    const text = await owner.fetch('/v1/jobs/batch', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(text.status).toBe(415);
    expect(await countJobs(owner.ownerId)).toBe(0);
  });
});
