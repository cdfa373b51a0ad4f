// With ROLE=api there are no workers, so jobs stay queued: cancel of a queued job, and listing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEventsAfter } from '../../src/jobs/job-store.ts';
import { JobListSchema, JobSchema } from '../../src/routes/jobs/schemas.ts';
import { startTestService, type TestOwner, type TestService } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ ROLE: 'api' });
});
afterAll(async () => {
  await svc?.stop();
});

async function submit(owner: TestOwner, type = 'demo.sleep') {
  const input = type === 'demo.sleep' ? { duration_ms: 0 } : { fail_times: 0 };
  const res = await owner.fetch('/v1/jobs', { method: 'POST', json: { type, input } });
  expect(res.status).toBe(202);
  return JobSchema.parse(await res.json());
}

describe('cancel of a queued job', () => {
  it('cancels at once, answers 202 with the job, and 409 the second time', async () => {
    const owner = await svc.newOwner();
    const job = await submit(owner);
    const res = await owner.fetch(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(202);
    const canceled = JobSchema.parse(await res.json());
    expect(canceled).toMatchObject({ id: job.id, status: 'canceled', attempt: 0 });
    expect(canceled.error?.type).toMatch(/job-canceled$/);
    const again = await owner.fetch(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect((await owner.fetch(`/v1/jobs/${job.id}`)).status).toBe(200);
    const events = await readEventsAfter(svc.sql, job.id, 0);
    expect(events.map((e) => e.payload.status)).toEqual(['queued', 'canceled']);
  });
});

describe('GET /v1/jobs', () => {
  it('pages newest first with a cursor and filters by status and type', async () => {
    const owner = await svc.newOwner();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await submit(owner, i % 2 ? 'test.flaky' : 'demo.sleep')).id);
    await owner.fetch(`/v1/jobs/${ids[0]}/cancel`, { method: 'POST' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await owner.fetch(`/v1/jobs?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const page = JobListSchema.parse(await res.json());
      seen.push(...page.data.map((j) => j.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const canceled = JobListSchema.parse(await (await owner.fetch('/v1/jobs?status=canceled')).json());
    expect(canceled.data.map((j) => j.id)).toEqual([ids[0]]);
    const flaky = JobListSchema.parse(await (await owner.fetch('/v1/jobs?type=test.flaky')).json());
    expect(flaky.data).toHaveLength(3);
  });

  it('stays stable while jobs are being inserted: no duplicates, no gaps', async () => {
    const owner = await svc.newOwner();
    const before: string[] = [];
    for (let i = 0; i < 10; i++) before.push((await submit(owner)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let inserted = 0;
    do {
      const page = JobListSchema.parse(
        await (await owner.fetch(`/v1/jobs?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json(),
      );
      seen.push(...page.data.map((j) => j.id));
      cursor = page.next_cursor;
      // concurrent inserts between pages
      await Promise.all([submit(owner), submit(owner)]);
      inserted += 2;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...before].reverse());
    expect(inserted).toBeGreaterThan(0);
  });

  it.each([
    ['limit=0', '/limit'],
    ['limit=101', '/limit'],
    ['limit=abc', '/limit'],
    ['status=done', '/status'],
    ['cursor=!!!', '/cursor'],
    ['cursor=Zm9v', '/cursor'],
    ['cursor=czk5OTk5OTk5OTk5OTk5OTk5OTk', '/cursor'], // a number past bigint
  ])('answers 400 with errors for %s', async (query, pointer) => {
    const owner = await svc.newOwner();
    const res = await owner.fetch(`/v1/jobs?${query}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    const body = await res.json();
    expect(body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
  });
});
