// The last progress report of an attempt rides with its terminal status (one row version, one
// statement): its event still comes right before the status event, and is written in the same
// transaction. A retry writes it first, as before; a report jsonb refuses is dropped with a
// warning and the job still ends as its handler said.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { startTestService, type TestOwner, type TestService, waitFor } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

async function runReporter(
  owner: TestOwner,
  input: { message: string; fail_times?: number; unstorable?: boolean },
) {
  const res = await owner.fetch('/v1/jobs', { method: 'POST', json: { type: 'test.reporter', input } });
  expect(res.status).toBe(202);
  const { id } = JobSchema.parse(await res.json());
  await waitFor(async () => {
    const [row] = await svc.sql<{ status: string }[]>`select status from jobs where id = ${id}`;
    return row?.status === 'succeeded';
  }, 20_000);
  return id;
}

/** Stored events (the first, derived one is not stored), in order. */
const eventsOf = (id: string) =>
  svc.sql<{ seq: number; kind: string; payload: Record<string, unknown>; created_at: Date }[]>`
    select seq, kind, payload, created_at from job_events where job_id = ${id} order by seq`;

describe('the last progress report', () => {
  it('is stored with the terminal status: its event right before the status event, in the same transaction', async () => {
    const owner = await svc.newOwner();
    const id = await runReporter(owner, { message: 'almost there' });
    const events = await eventsOf(id);
    expect(events.map((e) => [e.seq, e.kind, e.payload.status ?? e.payload.message])).toEqual([
      [2, 'status', 'running'],
      [3, 'progress', 'almost there'],
      [4, 'status', 'succeeded'],
    ]);
    // One transaction: both events carry its start time, and the status event the progress.
    expect(events[1]?.created_at).toEqual(events[2]?.created_at);
    expect(events[2]?.payload.progress).toMatchObject({ percent: 60, message: 'almost there' });
    const job = JobSchema.parse(await (await owner.fetch(`/v1/jobs/${id}`)).json());
    expect(job.progress).toMatchObject({ percent: 60, message: 'almost there' });
  });

  it('is written before the job goes back to the queue for a retry', async () => {
    const owner = await svc.newOwner();
    const id = await runReporter(owner, { message: 'trying', fail_times: 1 });
    const events = await eventsOf(id);
    expect(events.map((e) => [e.kind, e.payload.status ?? e.payload.message])).toEqual([
      ['status', 'running'],
      ['progress', 'trying'],
      ['status', 'queued'],
      ['status', 'running'],
      ['progress', 'trying'],
      ['status', 'succeeded'],
    ]);
    // The first attempt's report committed on its own, before the requeue.
    expect(events[1]?.created_at).not.toEqual(events[2]?.created_at);
  });

  it('is dropped when jsonb cannot store it, and the job still succeeds', async () => {
    const owner = await svc.newOwner();
    const id = await runReporter(owner, { message: 'nul here', unstorable: true });
    const events = await eventsOf(id);
    expect(events.map((e) => [e.kind, e.payload.status ?? null])).toEqual([
      ['status', 'running'],
      ['status', 'succeeded'],
    ]);
  });
});
