// Once a submit committed, the job exists: nothing after the commit may answer 5xx or 429 for it
// (issue #11 item 3). Here the re-read that Prefer: wait makes after each event fails.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { startTestService, type TestService, waitFor } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  // ROLE=api: nothing runs the job, so the only event is the one this test appends.
  svc = await startTestService({ ROLE: 'api' });
});
afterAll(async () => {
  await svc?.stop();
});

it('answers 202 for an accepted job when re-reading it for Prefer: wait fails', async () => {
  const owner = await svc.newOwner();
  const answer = owner.fetch('/v1/jobs', {
    method: 'POST',
    headers: { prefer: 'wait=3' },
    json: { type: 'demo.sleep', input: { duration_ms: 0 } },
  });
  const jobId = await waitFor(async () => {
    const [row] = await svc.sql<{ id: string }[]>`select id from jobs where owner_id = ${owner.ownerId}`;
    return row?.id;
  });
  // Every read of the job row now fails (its status columns cannot be selected), then an event
  // wakes the held request, whose re-read fails.
  await svc.sql`alter table jobs rename column result_purged_at to result_purged_at_hidden`;
  try {
    await svc.sql`
      insert into job_events (job_id, seq, kind, payload) values (${jobId}, 2, 'progress', '{"percent": 1}')`;
    await svc.sql`select pg_notify('job_events', ${`${jobId} 2`})`;
    const res = await answer;
    expect(res.status).toBe(202);
    expect(JobSchema.parse(await res.json()).id).toBe(jobId);
  } finally {
    await svc.sql`alter table jobs rename column result_purged_at_hidden to result_purged_at`;
  }
});
