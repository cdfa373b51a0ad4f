// The database side of fair placement (jobs/fair-placement.ts readPlacementBounds): one statement
// reads, for every (owner, type) of a batch, the lowest and highest band of each priority its
// queued jobs use — and only queued jobs, each pair's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql, type Sql } from '../../src/db/client.ts';
import { readPlacementBounds } from '../../src/jobs/fair-placement.ts';
import { insertJobs, type NewJob } from '../../src/jobs/job-store.ts';
import { createTestDatabase } from '../support/database.ts';
import { newJob } from '../support/new-job.ts';

let sql: Sql;
beforeAll(async () => {
  sql = createSql(await createTestDatabase(), { max: 2 });
});
afterAll(async () => {
  await sql?.end();
});

const job = (ownerId: string, type: string, priority: number, fairBand: number): NewJob => ({
  ...newJob(ownerId),
  type,
  priority,
  fairBand,
});

describe('placement bounds', () => {
  it('reads each (owner, type) of a batch in one statement, from its own queued jobs only', async () => {
    await sql`insert into owners (id) values ('pb-a'), ('pb-b'), ('pb-c')`;
    const stored = [
      job('pb-a', 'demo.sleep', 0, 0),
      job('pb-a', 'demo.sleep', 0, -2),
      job('pb-a', 'demo.sleep', 0, -1),
      job('pb-a', 'demo.sleep', 10, -1),
      job('pb-a', 'report.jobs_csv', -5, -3),
      job('pb-b', 'demo.sleep', 100, 0),
      // Not queued any more: left out of the bounds.
      job('pb-b', 'demo.sleep', -100, -9),
    ];
    await insertJobs(sql, stored);
    await sql`update jobs set status = 'running' where id = ${stored[6]?.id as string}`;

    const batch = [
      newJob('pb-a'),
      job('pb-a', 'report.jobs_csv', 0, 0),
      newJob('pb-b'),
      newJob('pb-c'),
      newJob('pb-a'),
    ];
    const bounds = await sql.begin((tx) => readPlacementBounds(tx, batch));
    const of = (ownerId: string, type: string) =>
      [...(bounds.get(`${ownerId}\u0000${type}`) ?? [])].sort(
        (x, y) => x.priority - y.priority || x.band - y.band,
      );
    expect(bounds.size).toBe(4);
    expect(of('pb-a', 'demo.sleep')).toEqual([
      { priority: 0, band: -2, count: 1 },
      { priority: 0, band: 0, count: 1 },
      { priority: 10, band: -1, count: 1 },
    ]);
    expect(of('pb-a', 'report.jobs_csv')).toEqual([{ priority: -5, band: -3, count: 1 }]);
    expect(of('pb-b', 'demo.sleep')).toEqual([{ priority: 100, band: 0, count: 1 }]);
    expect(of('pb-c', 'demo.sleep')).toEqual([]);
  });
});
