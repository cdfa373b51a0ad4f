// Group commit for submissions (db/group-commit.ts): requests that arrive while a batch is being
// written are written together in the next one — one transaction, multi-row inserts for the job
// rows and pg-boss's queue entries — and each is answered only after that commit. The per-owner
// cap stays exact (the owners' submit locks are taken in the batch). A failed batch is settled row
// by row, after first looking up which of its rows exist: a batch whose COMMIT reached the server
// but whose acknowledgement was lost created them, and inserting them again would answer 500 (or
// 429) for accepted jobs.
import type { PgBoss } from 'pg-boss';
import type { Sql } from '../db/client.ts';
import { GroupCommit } from '../db/group-commit.ts';
import type { TransactionLanes } from '../db/transaction-lanes.ts';
import { findJobsById, type JobRow, type NewJob } from './job-store.ts';
import { takeSlotsAndBounds, writeJobsAndCommit } from './write-jobs.ts';

const MAX_BATCH = 500;
const LINGER = { below: 8, ms: 2 };

/**
 * How long a submit may wait for its batch before it is answered 503: under the contract's 10 s
 * for a request during an outage. Without it, waits stacked during a restart — a batch waiting up
 * to connect_timeout (5 s) for its connection, then its recovery's lookup as long again, or a
 * request queued behind two such batches — and the answer came after 10.8 s (a 202, once the
 * server was back). A batch commits in milliseconds; only an outage comes near this.
 */
export const SUBMIT_DEADLINE_MS = 8000;

/** The batch did not settle within SUBMIT_DEADLINE_MS: answered as the database unavailable (503). */
export class SubmitDeadlineError extends Error {
  // A postgres.js code for a connection that could not be made (db/database-errors.ts: a 503).
  readonly code = 'CONNECT_TIMEOUT';
  constructor(ms: number) {
    super(`the database did not take the submit within ${ms} ms`);
  }
}

export type BatchOutcome = { kind: 'created'; job: JobRow } | { kind: 'capped' };

type Settled = { ok: true; value: BatchOutcome } | { ok: false; error: unknown };

export interface SubmitBatcherOptions {
  sql: Sql;
  /** Two lanes, one per batch in flight. */
  lanes: TransactionLanes;
  boss: PgBoss;
  maxActivePerOwner: number;
  /** A batch's owners have a backlog (write-jobs.ts takeSlotsAndBounds): planner statistics matter now. */
  onBacklog?: (() => void) | undefined;
  /** Test seam: throwing here simulates a commit whose acknowledgement was lost. */
  afterWrite?: ((jobs: NewJob[]) => void) | undefined;
  deadlineMs?: number;
}

export class SubmitBatcher {
  readonly #sql: Sql;
  readonly #lanes: TransactionLanes;
  readonly #boss: PgBoss;
  readonly #maxActive: number;
  readonly #onBacklog: (() => void) | undefined;
  readonly #commit: GroupCommit<NewJob, BatchOutcome>;
  readonly #deadlineMs: number;

  constructor(options: SubmitBatcherOptions) {
    this.#deadlineMs = options.deadlineMs ?? SUBMIT_DEADLINE_MS;
    this.#sql = options.sql;
    this.#lanes = options.lanes;
    this.#boss = options.boss;
    this.#maxActive = options.maxActivePerOwner;
    this.#onBacklog = options.onBacklog;
    const { afterWrite } = options;
    this.#commit = new GroupCommit({
      maxBatch: MAX_BATCH,
      linger: LINGER,
      // Two batches in flight: the second's round trips and WAL flush overlap the first's. The
      // owner lock keeps the cap exact (a batch of the same owner waits for the other's commit).
      maxInFlight: 2,
      writeBatch: (jobs) => this.#writeBatch(jobs),
      recover: (jobs) => this.#recover(jobs),
      ...(afterWrite ? { afterWrite } : {}),
    });
  }

  /**
   * Settles with the batch's outcome, or rejects with SubmitDeadlineError after the deadline. A
   * job answered that way may still be created when its batch commits later, as after any lost
   * answer: the Idempotency-Key is what makes a retry safe.
   */
  submit(job: NewJob): Promise<BatchOutcome> {
    const outcome = this.#commit.submit(job);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SubmitDeadlineError(this.#deadlineMs)), this.#deadlineMs);
    });
    // The batch's own failure after the deadline has been answered already.
    outcome.catch(() => {});
    return Promise.race([outcome, deadline]).finally(() => clearTimeout(timer));
  }

  /**
   * One transaction in two round trips while the owners' submit locks are held: [BEGIN, locks, cap
   * counts, placement bounds] go out together, and after the bands are computed [demotions, job
   * rows, queue entries, COMMIT] do too (transaction-lanes.ts). Sent one by one, each step waited
   * for this process's event loop while the lock was held, and under load that wait — not the
   * database — set how many batches of one owner could commit per second.
   */
  #writeBatch(batch: NewJob[]): Promise<BatchOutcome[]> {
    const wanted = new Map<string, number>();
    for (const job of batch) wanted.set(job.ownerId, (wanted.get(job.ownerId) ?? 0) + 1);
    return this.#lanes.run(async (lane) => {
      const [slots, bounds] = await takeSlotsAndBounds(
        lane.sql,
        wanted,
        this.#maxActive,
        batch,
        this.#onBacklog,
      );
      // Slots go to requests in arrival order; the rest of an owner's requests are capped.
      const accepted = batch.filter((job) => {
        const left = slots.granted.get(job.ownerId) ?? 0;
        if (left === 0) return false;
        slots.granted.set(job.ownerId, left - 1);
        return true;
      });
      const written = await writeJobsAndCommit(lane, this.#boss, accepted, slots, bounds);
      const byId = new Map(written.map((r) => [r.id, r]));
      return batch.map((job): BatchOutcome => {
        const row = byId.get(job.id);
        return row ? { kind: 'created', job: row } : { kind: 'capped' };
      });
    });
  }

  /** A failed batch: rows that exist were created by it (lost acknowledgement); the rest one by one. */
  async #recover(batch: NewJob[]): Promise<Settled[]> {
    const existing = await findExisting(this.#sql, batch);
    const settled: Settled[] = [];
    // One by one, in arrival order, so which of two clashing requests wins is deterministic.
    for (const job of batch) {
      const row = existing.get(job.id);
      if (row) settled.push({ ok: true, value: { kind: 'created', job: row } });
      else settled.push(await this.#writeOne(job));
    }
    return settled;
  }

  async #writeOne(job: NewJob): Promise<Settled> {
    try {
      // On a lane too: recovery runs when connections fail, where a transaction on sql.begin
      // could be left waiting for ever (postgres.js), and a lane gives up after LANE_TIMEOUT_MS.
      const value = await this.#lanes.run(async (lane): Promise<BatchOutcome> => {
        const wanted = new Map([[job.ownerId, 1]]);
        const [slots, bounds] = await takeSlotsAndBounds(lane.sql, wanted, this.#maxActive, [job]);
        if (!slots.granted.has(job.ownerId)) return { kind: 'capped' };
        const [row] = await writeJobsAndCommit(lane, this.#boss, [job], slots, bounds);
        return row ? { kind: 'created', job: row } : { kind: 'capped' };
      });
      return { ok: true, value };
    } catch (error) {
      // A duplicate key on the job's own id: this very job committed meanwhile, so it was created.
      if ((error as { code?: string }).code === '23505') {
        const row = (await findExisting(this.#sql, [job]).catch(() => undefined))?.get(job.id);
        if (row) return { ok: true, value: { kind: 'created', job: row } };
      }
      return { ok: false, error };
    }
  }
}

/** The batch's jobs that exist, by id, when they belong to the same owner. */
async function findExisting(sql: Sql, jobs: NewJob[]): Promise<Map<string, JobRow>> {
  const owners = new Map(jobs.map((j) => [j.id, j.ownerId]));
  const rows = await findJobsById(
    sql,
    jobs.map((j) => j.id),
  );
  return new Map(rows.filter((r) => owners.get(r.id) === r.owner_id).map((r) => [r.id, r]));
}
