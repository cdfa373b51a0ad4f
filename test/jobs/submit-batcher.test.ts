import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/client.ts';
import { isDatabaseUnavailable } from '../../src/db/database-errors.ts';
import { TransactionLanes } from '../../src/db/transaction-lanes.ts';
import { readEventsAfter } from '../../src/jobs/job-store.ts';
import { submitJob } from '../../src/jobs/submit.ts';
import { SubmitBatcher, SubmitDeadlineError } from '../../src/jobs/submit-batcher.ts';
import { submitDepsOf } from '../../src/routes/jobs/submit-deps.ts';
import { newJob } from '../support/new-job.ts';
import { startTestService, type TestService } from '../support/test-service.ts';

let svc: TestService;
let lanes: TransactionLanes;
beforeAll(async () => {
  // ROLE=api: no workers, so accepted jobs stay queued and hold their slots.
  svc = await startTestService({ ROLE: 'api' });
  lanes = new TransactionLanes(svc.databaseUrl, 2);
});
afterAll(async () => {
  await lanes?.end();
  await svc?.stop();
});

describe('SubmitBatcher (group commit)', () => {
  it("writes concurrent submissions in shared transactions, keeping each owner's cap exact", async () => {
    const batcher = new SubmitBatcher({
      sql: svc.sql,
      lanes,
      boss: svc.service.deps.boss,
      maxActivePerOwner: 25,
    });
    const a = await svc.newOwner();
    const b = await svc.newOwner();
    const outcomes = await Promise.all([
      ...Array.from({ length: 40 }, () => batcher.submit(newJob(a.ownerId))),
      ...Array.from({ length: 10 }, () => batcher.submit(newJob(b.ownerId))),
    ]);
    const created = outcomes.filter((o) => o.kind === 'created');
    expect(outcomes.slice(0, 40).filter((o) => o.kind === 'created')).toHaveLength(25);
    expect(outcomes.slice(40).every((o) => o.kind === 'created')).toBe(true);
    const [counts] = await svc.sql`
      select (select count(*)::int from jobs where owner_id = ${a.ownerId} and status = 'queued') as a,
             (select count(*)::int from jobs where owner_id = ${a.ownerId}) as a_rows,
             (select count(*)::int from pgboss.job where id = any(${created.map((o) => (o.kind === 'created' ? o.job.id : ''))}::uuid[])) as queued`;
    expect(counts).toMatchObject({ a: 25, a_rows: 25, queued: 35 });
    // every job has its first event (derived from the row, not stored)
    const bIds = outcomes.slice(40).map((o) => (o.kind === 'created' ? o.job.id : ''));
    const firsts = await Promise.all(bIds.map((id) => readEventsAfter(svc.sql, id, 0)));
    expect(firsts.map((e) => e.map((x) => [x.seq, x.kind, x.payload.status]))).toEqual(
      bIds.map(() => [[1, 'status', 'queued']]),
    );
  });

  it("does not fail a batch's other requests when one row fails", async () => {
    const batcher = new SubmitBatcher({
      sql: svc.sql,
      lanes,
      boss: svc.service.deps.boss,
      maxActivePerOwner: 1000,
    });
    const owner = await svc.newOwner();
    const results = await Promise.allSettled([
      batcher.submit(newJob(owner.ownerId)),
      batcher.submit(newJob(owner.ownerId)),
      // no queue exists for this type: its queue entry fails the batch's transaction
      batcher.submit({ ...newJob(owner.ownerId), type: 'no.such.type' }),
      batcher.submit(newJob(owner.ownerId)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const [row] = await svc.sql`
      select count(*)::int as jobs, count(*) filter (where status = 'queued')::int as active
      from jobs where owner_id = ${owner.ownerId}`;
    expect(row).toMatchObject({ jobs: 3, active: 3 });
  });

  it("commits a job only with its queue entry: a queue insert failing in the database rolls back the batch's rows", async () => {
    const batcher = new SubmitBatcher({
      sql: svc.sql,
      lanes,
      boss: svc.service.deps.boss,
      maxActivePerOwner: 1000,
    });
    const owner = await svc.newOwner();
    const jobs = Array.from({ length: 3 }, () => newJob(owner.ownerId));
    const bad = jobs[1]?.id ?? '';
    // Fails pg-boss's own INSERT for one job, after our job rows were written in the transaction.
    await svc.sql.unsafe(`
      create function pg_temp_refuse_entry() returns trigger language plpgsql as $$
      begin if new.id = '${bad}'::uuid then raise exception 'refused by test'; end if; return new; end $$;
      create trigger refuse_entry before insert on pgboss.job_common for each row execute function pg_temp_refuse_entry();`);
    try {
      const results = await Promise.allSettled(jobs.map((j) => batcher.submit(j)));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const rows = await svc.sql<{ id: string; entry: boolean }[]>`
        select j.id, exists (select 1 from pgboss.job b where b.id = j.id::uuid) as entry
        from jobs j where j.owner_id = ${owner.ownerId} order by j.seq`;
      expect(rows).toEqual([
        { id: jobs[0]?.id, entry: true },
        { id: jobs[2]?.id, entry: true },
      ]);
    } finally {
      await svc.sql.unsafe(
        `drop trigger refuse_entry on pgboss.job_common; drop function pg_temp_refuse_entry();`,
      );
    }
  });

  it('answers created, once each, for a batch whose commit acknowledgement was lost', async () => {
    const owner = await svc.newOwner();
    let failures = 0;
    // The batch commits, then the seam throws as a dropped connection would after COMMIT.
    const batcher = new SubmitBatcher({
      sql: svc.sql,
      lanes,
      boss: svc.service.deps.boss,
      maxActivePerOwner: 3,
      afterWrite: () => {
        failures++;
        throw new Error('connection lost after COMMIT');
      },
    });
    const jobs = Array.from({ length: 3 }, () => newJob(owner.ownerId));
    const outcomes = await Promise.all(jobs.map((j) => batcher.submit(j)));
    expect(failures).toBe(1);
    // The cap is 3 and the batch filled it: inserting again would answer 429 (or 500 on the key).
    expect(outcomes.map((o) => o.kind)).toEqual(['created', 'created', 'created']);
    expect(outcomes.map((o) => (o.kind === 'created' ? o.job.id : ''))).toEqual(jobs.map((j) => j.id));
    const [row] = await svc.sql`
      select (select count(*)::int from jobs where owner_id = ${owner.ownerId}) as jobs,
             (select count(*)::int from pgboss.job where id = any(${jobs.map((j) => j.id)}::uuid[])) as entries`;
    expect(row).toMatchObject({ jobs: 3, entries: 3 });
  });

  it('answers a submit whose batch does not settle in time as the database unavailable', async () => {
    const owner = await svc.newOwner();
    const batcher = new SubmitBatcher({
      sql: svc.sql,
      lanes,
      boss: svc.service.deps.boss,
      maxActivePerOwner: 1000,
      deadlineMs: 300,
    });
    // Another session holds the owner's submit lock, as a stuck batch would.
    const holder = await svc.sql.reserve();
    try {
      await holder`begin`;
      await holder`select pg_advisory_xact_lock(hashtextextended(${`submit:${owner.ownerId}`}, 0))`;
      const started = Date.now();
      const error = await batcher.submit(newJob(owner.ownerId)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SubmitDeadlineError);
      expect(isDatabaseUnavailable(error)).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await holder`rollback`;
      holder.release();
    }
    // The batch goes on once the lock is free (the lost answer of any outage): the next one works.
    expect((await batcher.submit(newJob(owner.ownerId))).kind).toBe('created');
  });

  it('gives an owner without a cap row no slots', async () => {
    const batcher = new SubmitBatcher({
      sql: svc.sql,
      lanes,
      boss: svc.service.deps.boss,
      maxActivePerOwner: 1000,
    });
    expect(await batcher.submit(newJob('no_such_owner'))).toEqual({ kind: 'capped' });
  });

  it('answers each submission through the HTTP route after its commit', async () => {
    const owner = await svc.newOwner();
    const answers = await Promise.all(
      Array.from({ length: 60 }, () =>
        owner.fetch('/v1/jobs', { method: 'POST', json: { type: 'demo.sleep', input: { duration_ms: 0 } } }),
      ),
    );
    expect(answers.every((r) => r.status === 202)).toBe(true);
    const ids = await Promise.all(answers.map(async (r) => (await r.json()).id as string));
    const rows = await svc.sql`select id from jobs where id = any(${ids})`;
    expect(rows).toHaveLength(60);
  });

  it('answers created for a keyed submit whose commit acknowledgement was lost', async () => {
    const owner = await svc.newOwner();
    const real = svc.service.deps.sql;
    // A pool whose transactions commit, then report a dropped connection.
    const lossy = new Proxy(real, {
      get(target, property, receiver) {
        if (property !== 'begin') return Reflect.get(target, property, receiver);
        return async (fn: (tx: unknown) => unknown) => {
          await real.begin(fn as never);
          throw new Error('connection lost after COMMIT');
        };
      },
    }) as Sql;
    const deps = { ...submitDepsOf(svc.service.deps), sql: lossy };
    const outcome = await submitJob(
      deps,
      owner.ownerId,
      { type: 'demo.sleep', input: { duration_ms: 0 } },
      'key-lost-ack',
    );
    expect(outcome.kind).toBe('created');
    const [row] = await svc.sql`select count(*)::int as n from jobs where owner_id = ${owner.ownerId}`;
    expect(row?.n).toBe(1);
    // A retry with the same key replays the job instead of creating another.
    const again = await submitJob(
      submitDepsOf(svc.service.deps),
      owner.ownerId,
      { type: 'demo.sleep', input: { duration_ms: 0 } },
      'key-lost-ack',
    );
    expect(again.kind).toBe('replayed');
  });
});
