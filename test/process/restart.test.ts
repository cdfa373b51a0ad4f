// A service process that dies (SIGKILL) or is stopped (SIGTERM) while a job runs: the job still
// ends succeeded exactly once, on the next start if need be.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSql, type Sql } from '../../src/db/client.ts';
import { createApiKey } from '../../src/identity/api-key-store.ts';
import { type ChildService, killChildren, startChildService } from '../support/child-service.ts';
import { createTestDatabase } from '../support/database.ts';
import { authedFetch, waitFor } from '../support/test-service.ts';

interface JobBody {
  id: string;
  status: string;
  attempt: number;
  progress: { percent: number } | null;
}

let databaseUrl: string;
let sql: Sql;
let key: string;

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  sql = createSql(databaseUrl, { max: 2 });
  ({ key } = await createApiKey(sql, 'restart_owner'));
});
afterEach(killChildren);
afterAll(async () => {
  await sql?.end();
});

async function startService(): Promise<ChildService> {
  return startChildService({ DATABASE_URL: databaseUrl });
}

async function getJob(service: ChildService, id: string): Promise<JobBody> {
  const res = await authedFetch(service.url, key)(`/v1/jobs/${id}`);
  return (await res.json()) as JobBody;
}

async function submitSleep(service: ChildService, durationMs: number, steps: number): Promise<string> {
  const res = await authedFetch(service.url, key)('/v1/jobs', {
    method: 'POST',
    json: { type: 'demo.sleep', input: { duration_ms: durationMs, steps } },
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as JobBody).id;
}

async function terminalStatusEvents(id: string): Promise<string[]> {
  const rows = await sql<{ status: string }[]>`
    select payload->>'status' as status from job_events
    where job_id = ${id} and kind = 'status'
      and payload->>'status' in ('succeeded', 'failed', 'canceled')`;
  return rows.map((r) => r.status);
}

describe('a service restart while a job runs', () => {
  it('runs the job of a killed process again after the next start and finishes it once, on attempt 2', async () => {
    const first = await startService();
    const id = await submitSleep(first, 4000, 8);
    await waitFor(async () => {
      const job = await getJob(first, id);
      return job.status === 'running' && job.progress !== null;
    }, 20_000);
    await first.crash();
    const second = await startService();
    // pg-boss notices the dead worker's missing heartbeat (10 s) on its next supervise (5 s).
    const done = await waitFor(
      async () => {
        const job = await getJob(second, id);
        return job.status === 'running' || job.status === 'queued' ? undefined : job;
      },
      60_000,
      250,
    );
    expect(done.status).toBe('succeeded');
    expect(done.attempt).toBe(2);
    expect(await terminalStatusEvents(id)).toEqual(['succeeded']);
    expect(await second.terminate()).toBe(0);
  }, 90_000);

  it('exits 0 on SIGTERM while a job runs, and the job still succeeds exactly once', async () => {
    const first = await startService();
    const id = await submitSleep(first, 3000, 6);
    await waitFor(async () => {
      const job = await getJob(first, id);
      return job.status === 'running' && job.progress !== null;
    }, 20_000);
    expect(await first.terminate()).toBe(0);

    const [row] = await sql<{ status: string }[]>`select status from jobs where id = ${id}`;
    if (row?.status !== 'succeeded') {
      // Not finished within the grace period: it went back to the queue and runs after the next start.
      const second = await startService();
      await waitFor(async () => (await getJob(second, id)).status === 'succeeded', 60_000, 250);
      expect(await second.terminate()).toBe(0);
    }
    expect(await terminalStatusEvents(id)).toEqual(['succeeded']);
  }, 90_000);
});
