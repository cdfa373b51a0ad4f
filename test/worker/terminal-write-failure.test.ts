// A terminal write that fails for a reason other than the output itself (the database unreachable,
// a connection cut) must not end the job failed: the attempt crashes, its queue entry's heartbeat
// lapses, and the job runs again to success. Only data the database refuses (SQLSTATE class 22)
// ends it failed at once (attempts.test.ts, test.unstorable). Injected with a trigger that refuses
// the first two writes of a succeeded status — the group commit's batch and its per-row retry —
// with an error of class XX (internal), as an outage's errors are not of class 22.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { startTestService, type TestService, waitFor } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
  await svc.sql.unsafe(`
    create sequence inject_terminal_failures;
    create function inject_terminal_failure() returns trigger language plpgsql as $$
    begin
      if new.status = 'succeeded' and new.metadata ->> 'inject' = 'terminal-write'
         and nextval('inject_terminal_failures') <= 2 then
        raise exception 'injected: the connection went away' using errcode = 'XX000';
      end if;
      return new;
    end $$;
    create trigger inject_terminal_failure before update on jobs
      for each row execute function inject_terminal_failure();`);
});
afterAll(async () => {
  await svc?.stop();
});

it('runs a job again instead of failing it when its succeeded status could not be written', async () => {
  const owner = await svc.newOwner();
  const res = await owner.fetch('/v1/jobs', {
    method: 'POST',
    json: { type: 'demo.sleep', input: { duration_ms: 0, steps: 1 }, metadata: { inject: 'terminal-write' } },
  });
  expect(res.status).toBe(202);
  const { id } = JobSchema.parse(await res.json());
  const done = await waitFor(
    async () => {
      const job = JobSchema.parse(await (await owner.fetch(`/v1/jobs/${id}`, { redirect: 'manual' })).json());
      return ['succeeded', 'failed', 'canceled'].includes(job.status) ? job : undefined;
    },
    90_000,
    250,
  );
  const [{ n }] = (await svc.sql`select last_value as n from inject_terminal_failures`) as unknown as [
    { n: number },
  ];
  expect(Number(n)).toBeGreaterThanOrEqual(2);
  expect(done.status).toBe('succeeded');
  expect(done.attempt).toBeGreaterThanOrEqual(2);
}, 120_000);
