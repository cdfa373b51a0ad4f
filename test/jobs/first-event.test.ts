// A job's first event (seq 1, the job as submitted) is derived from its row instead of stored.
// Whatever the job went through since, the derived event must be what the submit answered; and
// the stored status events, which keep only the resource's fields, map to the job as read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEventsAfter } from '../../src/jobs/job-store.ts';
import { toJobStreamEvent } from '../../src/realtime/follow-job.ts';
import { startTestService, type TestService, waitFor } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ CALLBACK_ALLOW_HTTP: 'true', CALLBACK_ALLOWLIST: '127.0.0.1' });
});
afterAll(async () => {
  await svc?.stop();
});

describe('the derived first event', () => {
  it('is the job as the submit answered it, after the job ran, reported progress and finished', async () => {
    const owner = await svc.newOwner();
    const res = await owner.fetch('/v1/jobs', {
      method: 'POST',
      json: {
        type: 'demo.sleep',
        input: { duration_ms: 50, steps: 3 },
        metadata: { k: 'v' },
        priority: 7,
        // Nothing listens there: the callback's status moves on (pending → retrying/failed).
        callback_url: 'http://127.0.0.1:9/hook',
      },
    });
    expect(res.status).toBe(202);
    const submitted = await res.json();
    await waitFor(async () => {
      const [row] = await svc.sql`select status from jobs where id = ${submitted.id}`;
      return row?.status === 'succeeded';
    });
    const events = (await readEventsAfter(svc.sql, submitted.id, 0)).map(toJobStreamEvent);
    expect(events[0]).toEqual({ type: 'status', id: 1, data: submitted });
    // The rest follow it, each once, ending with the terminal status.
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)?.data).toMatchObject({ status: 'succeeded' });
    // Stored status events hold the resource's fields only: the last one is the job as read now
    // (but for the callback's status, which moves on after the job's last event).
    const withoutCallback = ({ callback: _, ...rest }: { callback?: unknown }) => rest;
    const read = await (await owner.fetch(`/v1/jobs/${submitted.id}`)).json();
    expect(withoutCallback(events.at(-1)?.data ?? {})).toEqual(withoutCallback(read));
    // Replays after seq 1 do not repeat it.
    expect((await readEventsAfter(svc.sql, submitted.id, 1)).map((e) => e.seq)).toEqual(
      events.slice(1).map((e) => e.id),
    );
  });

  it('keeps a stored first event (rows written before it was derived) and is not added twice', async () => {
    const owner = await svc.newOwner();
    const submitted = await (
      await owner.fetch('/v1/jobs', {
        method: 'POST',
        json: {
          type: 'demo.sleep',
          input: { duration_ms: 0 },
          run_at: new Date(Date.now() + 3_600_000).toISOString(),
        },
      })
    ).json();
    await svc.sql`
      insert into job_events (job_id, seq, kind, payload)
      select id, 1, 'status', to_jsonb(j) - 'input' - 'output' - 'artifact' from jobs j where id = ${submitted.id}`;
    const events = await readEventsAfter(svc.sql, submitted.id, 0);
    expect(events.map((e) => e.seq)).toEqual([1]);
    expect(toJobStreamEvent(events[0] as never).data).toEqual(submitted);
  });

  it('is gone with the rest of the history once the result was purged', async () => {
    const owner = await svc.newOwner();
    const submitted = await (
      await owner.fetch('/v1/jobs', {
        method: 'POST',
        json: { type: 'demo.sleep', input: { duration_ms: 0 } },
      })
    ).json();
    await waitFor(async () => {
      const [row] = await svc.sql`select status from jobs where id = ${submitted.id}`;
      return row?.status === 'succeeded';
    });
    await svc.sql`update jobs set result_purged_at = now() where id = ${submitted.id}`;
    await svc.sql`delete from job_events where job_id = ${submitted.id}`;
    expect(await readEventsAfter(svc.sql, submitted.id, 0)).toEqual([]);
  });
});
