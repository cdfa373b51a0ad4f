// The per-owner cap reads owners.active_jobs plus the deltas that triggers on jobs append
// (migration 0004). Whatever path moves a job — submit, batch, claim, success, failure, retry,
// cancel, delete — the folded count must equal a plain count of the owner's queued and running
// jobs, and a finished job must give its slot back.

import { readMigrationFiles } from 'drizzle-orm/migrator';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, migrateDatabase } from '../../src/db/migrate.ts';
import { createTestDatabase } from '../support/database.ts';
import { startTestService, type TestService, waitFor } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ MAX_ACTIVE_JOBS_PER_OWNER: '40', WORKER_CONCURRENCY: '8' });
});
afterAll(async () => {
  await svc?.stop();
});

/** The counter as the cap sees it, and the truth: a count of the owner's active rows. */
async function counts(sql: postgres.Sql, ownerId: string) {
  const [row] = await sql<{ counter: number; truth: number }[]>`
    select (select active_jobs from owners where id = ${ownerId})
             + coalesce((select sum(delta) from owner_active_deltas where owner_id = ${ownerId}), 0)::int as counter,
           (select count(*) from jobs where owner_id = ${ownerId} and status in ('queued', 'running'))::int as truth`;
  return row as { counter: number; truth: number };
}

describe('the active-jobs counter behind the per-owner cap', () => {
  it('agrees with a count of the rows through submits, batches, runs, failures, retries, cancels and deletes', async () => {
    const owner = await svc.newOwner();
    const submit = (body: object) => owner.fetch('/v1/jobs', { method: 'POST', json: body });
    const answers = await Promise.all([
      ...Array.from({ length: 8 }, () => submit({ type: 'demo.sleep', input: { duration_ms: 300 } })),
      ...Array.from({ length: 4 }, () =>
        submit({ type: 'demo.sleep', input: { duration_ms: 0, fail_with: 'planned' } }),
      ),
      ...Array.from({ length: 4 }, () => submit({ type: 'test.flaky', input: { fail_times: 1 } })),
      owner.fetch('/v1/jobs/batch', {
        method: 'POST',
        json: {
          jobs: Array.from({ length: 10 }, () => ({ type: 'demo.sleep', input: { duration_ms: 2000 } })),
        },
      }),
    ]);
    expect(answers.map((r) => r.status)).toEqual(Array(17).fill(202));
    const batch = (await answers[16]?.json()) as { data: { id: string }[] };
    // Mid-flight: some queued, some running, some finished.
    const mid = await counts(svc.sql, owner.ownerId);
    expect(mid.counter).toBe(mid.truth);
    for (const job of batch.data.slice(0, 3)) {
      expect((await owner.fetch(`/v1/jobs/${job.id}/cancel`, { method: 'POST' })).status).toBeLessThan(300);
    }
    // An operator deleting an active row by hand is counted too.
    await svc.sql`delete from jobs where id = ${batch.data[9]?.id ?? ''}`;
    const afterCancel = await counts(svc.sql, owner.ownerId);
    expect(afterCancel.counter).toBe(afterCancel.truth);
    await waitFor(async () => (await counts(svc.sql, owner.ownerId)).truth === 0, 20_000);
    expect(await counts(svc.sql, owner.ownerId)).toEqual({ counter: 0, truth: 0 });
  });

  it("folds an owner's deltas into its row every few dozen submits, keeping the count", async () => {
    const owner = await svc.newOwner();
    // One at a time: each submit is its own transaction and appends its own +1 delta.
    for (let i = 0; i < 36; i++) {
      const res = await owner.fetch('/v1/jobs', {
        method: 'POST',
        json: { type: 'demo.sleep', input: { duration_ms: 5000 } },
      });
      expect(res.status).toBe(202);
    }
    const [row] = await svc.sql<{ folded: number; deltas: number }[]>`
      select (select active_jobs from owners where id = ${owner.ownerId}) as folded,
             (select count(*)::int from owner_active_deltas where owner_id = ${owner.ownerId}) as deltas`;
    expect(row?.folded).toBeGreaterThan(0);
    expect(row?.deltas).toBeLessThan(36);
    const now = await counts(svc.sql, owner.ownerId);
    expect(now.counter).toBe(now.truth);
    expect(now.truth).toBeGreaterThan(0);
    await svc.sql`update jobs set status = 'canceled', finished_at = now() where owner_id = ${owner.ownerId} and status = 'queued'`;
  });

  it('refuses past the cap and gives every finished slot back', async () => {
    const owner = await svc.newOwner();
    const fill = (durationMs: number) =>
      owner.fetch('/v1/jobs/batch', {
        method: 'POST',
        json: {
          jobs: Array.from({ length: 40 }, () => ({
            type: 'demo.sleep',
            input: { duration_ms: durationMs },
          })),
        },
      });
    expect((await fill(1500)).status).toBe(202);
    const over = await owner.fetch('/v1/jobs', {
      method: 'POST',
      json: { type: 'demo.sleep', input: { duration_ms: 0 } },
    });
    expect(over.status).toBe(429);
    await waitFor(async () => (await counts(svc.sql, owner.ownerId)).truth === 0, 20_000);
    // Had a finish not given its slot back, this would be a 429.
    expect((await fill(0)).status).toBe(202);
    await waitFor(async () => (await counts(svc.sql, owner.ownerId)).truth === 0, 20_000);
    expect(await counts(svc.sql, owner.ownerId)).toEqual({ counter: 0, truth: 0 });
  });
});

describe('migration 0004', () => {
  it("starts each owner's counter at its active jobs when upgrading a database that has jobs", async () => {
    const url = await createTestDatabase();
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      // Roll the clone back to before 0004: undo what it and the later migrations changed (0005
      // recreates its indexes; 0006 drops a constraint; 0007 swaps the owner foreign key for
      // triggers) and forget them.
      const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
      const m4 = migrations[4];
      if (!m4) throw new Error('migration 0004 is missing');
      await sql.unsafe(`
        drop trigger jobs_active_inserted on jobs; drop trigger jobs_active_changed on jobs;
        drop trigger jobs_active_deleted on jobs;
        drop function jobs_active_inserted(); drop function jobs_active_changed();
        drop trigger owners_keep_while_jobs on owners; drop function owners_keep_while_jobs();
        alter table jobs add constraint jobs_owner_id_owners_id_fk foreign key (owner_id) references owners(id);
        drop table owner_active_deltas; alter table owners drop column active_jobs;
        alter table jobs add constraint jobs_seq_unique unique (seq);
        delete from drizzle.__drizzle_migrations where created_at >= ${m4.folderMillis};`);
      await sql`insert into owners (id) values ('a'), ('b')`;
      await sql`
        insert into jobs (id, owner_id, type, input, status)
        select gen_random_uuid()::text, o, 'demo.sleep', '{}', s
        from (values ('a', 'queued'), ('a', 'running'), ('a', 'succeeded'), ('a', 'queued'), ('b', 'failed'))
          as v(o, s)`;
      await migrateDatabase(url);
      const rows = await sql<{ id: string; active_jobs: number }[]>`
        select id, active_jobs from owners where id in ('a', 'b') order by id`;
      expect(rows).toEqual([
        { id: 'a', active_jobs: 3 },
        { id: 'b', active_jobs: 0 },
      ]);
      expect(await sql`select * from owner_active_deltas`).toHaveLength(0);
    } finally {
      await sql.end();
    }
  });
});
