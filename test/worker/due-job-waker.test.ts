// The due-job waker against a real database: it wakes the queue of a queued job whose run_at has
// just passed — also one whose submit committed after its run_at (the reason it looks back) —
// and leaves alone jobs that are running, unscheduled, not yet due, or due long ago.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueNameOf } from '../../src/job-types/registry.ts';
import { DUE_CHECK_MS, DUE_LOOKBACK_SECONDS, startDueJobWaker } from '../../src/worker/due-job-waker.ts';
import { createTestDatabase } from '../support/database.ts';

let sql: postgres.Sql;
beforeAll(async () => {
  sql = postgres(await createTestDatabase(), { max: 2, onnotice: () => {} });
  await sql`insert into owners (id) values ('o')`;
});
afterAll(async () => {
  await sql?.end();
});

/** A job row as a submit leaves it, of its own type so each case has its own queue. */
async function insertJob(type: string, status: string, runAt: string | null) {
  await sql`
    insert into jobs (id, owner_id, type, input, status, run_at)
    values (${`job_${type}`}, 'o', ${type}, '{}', ${status}, ${runAt === null ? null : sql.unsafe(runAt)})`;
}

/** The queues woken during a few of the waker's looks. */
async function wokenQueues(): Promise<Set<string>> {
  const woken = new Set<string>();
  const waker = await startDueJobWaker(
    sql,
    (queue) => woken.add(queue),
    (error) => {
      throw error;
    },
  );
  await new Promise((r) => setTimeout(r, DUE_CHECK_MS * 3));
  waker.stop();
  return woken;
}

describe('the due-job waker', () => {
  it('wakes the queues of queued jobs that just came due, and no others', async () => {
    // Committed now with a run_at already a second gone: a submit that committed late.
    await insertJob('t.late', 'queued', `now() - interval '1 second'`);
    // Due in a moment: passes while the waker looks.
    await insertJob('t.soon', 'queued', `now() + interval '200 milliseconds'`);
    await insertJob('t.running', 'running', `now() - interval '1 second'`);
    await insertJob('t.unscheduled', 'queued', null);
    await insertJob('t.later', 'queued', `now() + interval '1 hour'`);
    await insertJob('t.long-ago', 'queued', `now() - interval '${DUE_LOOKBACK_SECONDS + 60} seconds'`);
    const woken = await wokenQueues();
    expect([...woken].sort()).toEqual([queueNameOf('t.late'), queueNameOf('t.soon')].sort());
  });
});
