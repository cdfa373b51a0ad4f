// jobs.owner_id has no foreign key since migration 0007: the insert trigger checks each owner of
// a statement once, and owners keep a guard against being deleted or renamed while they have
// jobs. These are the foreign key's promises, kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql, type Sql } from '../../src/db/client.ts';
import { insertJobs } from '../../src/jobs/job-store.ts';
import { createTestDatabase } from '../support/database.ts';
import { newJob } from '../support/new-job.ts';

let sql: Sql;
beforeAll(async () => {
  sql = createSql(await createTestDatabase(), { max: 2 });
});
afterAll(async () => {
  await sql?.end();
});

const sqlStateOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'no error',
    (error: { code?: string }) => error.code,
  );

describe('the owner check on jobs', () => {
  it('refuses a statement with any job of an unknown owner, and writes none of its jobs', async () => {
    await sql`insert into owners (id) values ('known-owner')`;
    const jobs = [newJob('known-owner'), newJob('no-such-owner'), newJob('known-owner')];
    expect(await sqlStateOf(insertJobs(sql, jobs))).toBe('23503');
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from jobs where id = any(${jobs.map((j) => j.id)})`;
    expect(row?.n).toBe(0);
    // Known owners alone go in.
    await insertJobs(sql, [newJob('known-owner'), newJob('known-owner')]);
  });

  it('refuses to delete or rename an owner that has jobs, and allows it once it has none', async () => {
    await sql`insert into owners (id) values ('owner-with-jobs')`;
    const stored = newJob('owner-with-jobs');
    await insertJobs(sql, [stored]);
    expect(await sqlStateOf(sql`delete from owners where id = 'owner-with-jobs'`)).toBe('23503');
    expect(await sqlStateOf(sql`update owners set id = 'renamed' where id = 'owner-with-jobs'`)).toBe(
      '23503',
    );
    // Other columns of the owner change freely.
    await sql`update owners set active_jobs = active_jobs where id = 'owner-with-jobs'`;
    await sql`delete from jobs where id = ${stored.id}`;
    await sql`delete from owner_active_deltas where owner_id = 'owner-with-jobs'`;
    expect(await sqlStateOf(sql`delete from owners where id = 'owner-with-jobs'`)).toBe('no error');
  });
});
