// The job feed reads an event row after its NOTIFY; when that read fails (the database restarting,
// say), it is read again until it succeeds, instead of leaving the stream on heartbeats only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql, type Sql } from '../../src/db/client.ts';
import { JobFeed } from '../../src/jobs/job-feed.ts';
import type { JobEventRow } from '../../src/jobs/job-store.ts';
import { createTestDatabase } from '../support/database.ts';
import { waitFor } from '../support/test-service.ts';

let sql: Sql;
let admin: Sql;
beforeAll(async () => {
  const url = await createTestDatabase();
  sql = createSql(url, { max: 4 });
  admin = createSql(url, { max: 1 });
});
afterAll(async () => {
  await sql?.end();
  await admin?.end();
});

describe('the job feed', () => {
  it('reads again after a failed read, so the event still reaches its subscriber', async () => {
    const errors: unknown[] = [];
    const feed = new JobFeed(sql, (error) => errors.push(error));
    await feed.start();
    try {
      const received: JobEventRow[] = [];
      const unsubscribe = feed.subscribe('job_feed_retry', 0, (event) => received.push(event));
      // Let the subscribe's own first read finish before the table goes away.
      await new Promise((r) => setTimeout(r, 200));
      // Inject the failure: the table is unreadable when the NOTIFY arrives.
      await admin`alter table job_events rename to job_events_away`;
      await admin`insert into job_events_away (job_id, seq, kind, payload)
        values ('job_feed_retry', 1, 'progress', '{"percent": 50}'::jsonb)`;
      await admin`select pg_notify('job_events', 'job_feed_retry 1')`;
      await waitFor(async () => errors.length > 0, 10_000);
      expect(received).toEqual([]);
      await admin`alter table job_events_away rename to job_events`;
      await waitFor(async () => received.length === 1, 10_000);
      expect(received[0]).toMatchObject({ job_id: 'job_feed_retry', seq: 1, kind: 'progress' });
      unsubscribe();
    } finally {
      await feed.stop();
    }
  });
});
