import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { collectSseEvents, readSseFrames } from '../support/sse-client.ts';
import { startTestService, type TestOwner, type TestService, waitFor } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ SSE_MAX_STREAMS_PER_OWNER: '1100' });
});
afterAll(async () => {
  await svc?.stop();
});

async function submit(owner: TestOwner, input: Record<string, unknown>) {
  const r = await owner.fetch('/v1/jobs', { method: 'POST', json: { type: 'demo.sleep', input } });
  expect(r.status).toBe(202);
  return JobSchema.parse(await r.json());
}

describe('GET /v1/jobs/{id}/events', () => {
  it("still ends at the terminal status when Last-Event-ID is past the job's last event", async () => {
    const owner = await svc.newOwner();
    const job = await submit(owner, { duration_ms: 300, steps: 3 });
    const res = await owner.fetch(`/v1/jobs/${job.id}/events`, {
      headers: { 'last-event-id': '999999999999999' },
    });
    expect(res.status).toBe(200);
    const frames = await collectSseEvents(res);
    const last = frames.filter((f) => f.event === 'status').at(-1);
    expect(JSON.parse(last?.data ?? '{}').status).toBe('succeeded');
  });

  it("sends a purged job's final status on a reconnect instead of waiting forever", async () => {
    const owner = await svc.newOwner();
    const r = await owner.fetch('/v1/jobs', {
      method: 'POST',
      headers: { prefer: 'wait=20' },
      json: { type: 'demo.sleep', input: { duration_ms: 0 } },
    });
    const job = JobSchema.parse(await r.json());
    // as the retention sweeper leaves it: result and event history gone, the job still readable
    await svc.sql`update jobs set result_purged_at = now(), output = null where id = ${job.id}`;
    await svc.sql`delete from job_events where job_id = ${job.id}`;
    const frames = await collectSseEvents(
      await owner.fetch(`/v1/jobs/${job.id}/events`, { headers: { 'last-event-id': '1' } }),
    );
    expect(frames.filter((f) => f.event === 'status').map((f) => JSON.parse(f.data ?? '{}').status)).toEqual([
      'succeeded',
    ]);
  });

  it('streams the current status first, then progress in order, and closes after the terminal status', async () => {
    const owner = await svc.newOwner();
    const job = await submit(owner, { duration_ms: 600, steps: 4 });
    const r = await owner.fetch(`/v1/jobs/${job.id}/events`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(r.headers.get('cache-control')).toBe('no-cache');
    expect(r.headers.get('x-accel-buffering')).toBe('no');
    const frames = await collectSseEvents(r);
    expect(frames[0]?.event).toBe('status');
    expect(frames[0]?.retry).toBeGreaterThan(0);
    expect(frames.slice(1).every((f) => f.retry === undefined)).toBe(true);
    const ids = frames.map((f) => Number(f.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    const percents = frames
      .filter((f) => f.event === 'progress')
      .map((f) => JSON.parse(f.data ?? '{}').percent);
    // The reporter coalesces writes while one is in flight, so under load some steps may merge.
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(100);
    const last = frames.at(-1);
    expect(last?.event).toBe('status');
    expect(JobSchema.parse(JSON.parse(last?.data ?? '{}')).status).toBe('succeeded');
  });

  it('replays what was missed after Last-Event-ID, and answers 204 once the final event was seen', async () => {
    const owner = await svc.newOwner();
    const job = await submit(owner, { duration_ms: 100, steps: 5 });
    const all = await collectSseEvents(await owner.fetch(`/v1/jobs/${job.id}/events`));
    // The job may have finished before the first connection: then only the final status came.
    // Read the full history from event 0 to compare against.
    const history = await collectSseEvents(
      await owner.fetch(`/v1/jobs/${job.id}/events`, { headers: { 'last-event-id': '0' } }),
    );
    expect(history.map((f) => f.id)).toEqual(history.map((_, i) => String(i + 1)));
    expect(history.at(-1)).toEqual(all.at(-1));
    const resumed = await collectSseEvents(
      await owner.fetch(`/v1/jobs/${job.id}/events`, { headers: { 'last-event-id': '3' } }),
    );
    const strip = ({ event, id, data }: { event?: string; id?: string; data?: string }) => ({
      event,
      id,
      data,
    });
    expect(resumed.map(strip)).toEqual(history.slice(3).map(strip));
    const finalId = history.at(-1)?.id ?? '';
    const again = await owner.fetch(`/v1/jobs/${job.id}/events`, { headers: { 'last-event-id': finalId } });
    expect(again.status).toBe(204);
  });

  it("sends a finished job's final status and closes", async () => {
    const owner = await svc.newOwner();
    const job = await submit(owner, { duration_ms: 0, steps: 1 });
    await waitFor(async () => (await owner.fetch(`/v1/jobs/${job.id}`)).status === 303);
    const frames = await collectSseEvents(await owner.fetch(`/v1/jobs/${job.id}/events`));
    expect(frames).toHaveLength(1);
    expect(JSON.parse(frames[0]?.data ?? '{}').status).toBe('succeeded');
  });

  it('answers the same 404 problem for a foreign, missing or malformed id', async () => {
    const owner = await svc.newOwner();
    const other = await svc.newOwner();
    const job = await submit(other, { duration_ms: 0, steps: 1 });
    const bodies = [];
    for (const id of [job.id, '00000000-0000-0000-0000-000000000000', 'not%20an%20id']) {
      const r = await owner.fetch(`/v1/jobs/${id}/events`);
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toBe('application/problem+json');
      bodies.push(await r.text());
    }
    expect(new Set(bodies).size).toBe(1);
  });

  it('caps open streams per owner with 429 and Retry-After, and releases them on disconnect', async () => {
    const capped = await startTestService({ SSE_MAX_STREAMS_PER_OWNER: '2' }, {});
    try {
      const owner = await capped.newOwner();
      const r = await owner.fetch('/v1/jobs', {
        method: 'POST',
        json: { type: 'demo.sleep', input: { duration_ms: 30_000, steps: 1 } },
      });
      const job = JobSchema.parse(await r.json());
      const aborts = [new AbortController(), new AbortController()];
      const open = await Promise.all(
        aborts.map((a) => owner.fetch(`/v1/jobs/${job.id}/events`, { signal: a.signal })),
      );
      expect(open.map((o) => o.status)).toEqual([200, 200]);
      const third = await owner.fetch(`/v1/jobs/${job.id}/events`);
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      for (const a of aborts) a.abort();
      await waitFor(
        async () => capped.service.deps.feed.subscriberCount === 0 && capped.service.deps.streams.size === 0,
      );
      const fourth = await owner.fetch(`/v1/jobs/${job.id}/events`);
      expect(fourth.status).toBe(200);
      await fourth.body?.cancel();
      await owner.fetch(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
    } finally {
      await capped.stop();
    }
  });

  it('releases every subscription after many open/close cycles', async () => {
    const owner = await svc.newOwner();
    const r = await owner.fetch('/v1/jobs', {
      method: 'POST',
      json: { type: 'demo.sleep', input: { duration_ms: 60_000, steps: 1 } },
    });
    const job = JobSchema.parse(await r.json());
    const { feed, streams } = svc.service.deps;
    for (let round = 0; round < 6; round++) {
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const a = new AbortController();
          const s = await owner.fetch(`/v1/jobs/${job.id}/events`, { signal: a.signal });
          const frames = readSseFrames(s);
          await frames.next();
          a.abort();
        }),
      );
    }
    await waitFor(async () => feed.subscriberCount === 0 && streams.size === 0);
    await owner.fetch(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
  });

  it('delivers the final event to 1,000 concurrent streams on one job', async () => {
    const owner = await svc.newOwner();
    const r = await owner.fetch('/v1/jobs', {
      method: 'POST',
      json: { type: 'demo.sleep', input: { duration_ms: 60_000, steps: 1 } },
    });
    const job = JobSchema.parse(await r.json());
    const streams = await Promise.all(
      Array.from({ length: 1000 }, () => owner.fetch(`/v1/jobs/${job.id}/events`)),
    );
    expect(streams.every((s) => s.status === 200)).toBe(true);
    const collected = Promise.all(streams.map((s) => collectSseEvents(s)));
    await waitFor(async () => svc.service.deps.feed.subscriberCount >= 1000);
    await owner.fetch(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
    const all = await collected;
    for (const frames of all) expect(JSON.parse(frames.at(-1)?.data ?? '{}').status).toBe('canceled');
    await waitFor(async () => svc.service.deps.feed.subscriberCount === 0);
  });
});
