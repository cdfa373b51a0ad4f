// Group commit for submissions: requests that arrive while a batch is being written are written
// together in the next one — one transaction, multi-row inserts for the job rows, their events
// and pg-boss's queue entries — and each is answered only after that commit. No artificial delay:
// a lone request is written at once; batching happens only under load. The per-owner cap stays
// exact (owner rows locked in the batch). If a batch fails, its requests are written one by one,
// so a failing row never fails its neighbours.
import type { PgBoss } from 'pg-boss';
import type { Sql, TxSql } from '../db/client.ts';
import { queueNameOf } from '../job-types/registry.ts';
import { bossDbOf } from '../worker/pg-boss-adapter.ts';
import { placeInFairBands, queueEntryOf } from './fair-placement.ts';
import { insertJobs, type JobRow, type NewJob, takeCapSlots } from './job-store.ts';

const MAX_BATCH = 500;
const LINGER_BELOW = 8;
const LINGER_MS = 2;

export type BatchOutcome = { kind: 'created'; job: JobRow } | { kind: 'capped' };

interface Pending {
  job: NewJob;
  resolve(outcome: BatchOutcome): void;
  reject(error: unknown): void;
}

export class SubmitBatcher {
  readonly #sql: Sql;
  readonly #boss: PgBoss;
  readonly #maxActive: number;
  #queue: Pending[] = [];
  #writing = false;

  constructor(sql: Sql, boss: PgBoss, maxActivePerOwner: number) {
    this.#sql = sql;
    this.#boss = boss;
    this.#maxActive = maxActivePerOwner;
  }

  submit(job: NewJob): Promise<BatchOutcome> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ job, resolve, reject });
      if (!this.#writing) {
        this.#writing = true;
        // Let requests parsed in this same turn of the event loop join the first batch.
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    let previousSize = 0;
    while (this.#queue.length > 0) {
      // After a big batch, its clients are only now getting their answers and sending the next
      // requests: a moment's wait makes the next batch big too, instead of alternating big and
      // tiny. A lone request on an idle service never waits.
      if (previousSize >= LINGER_BELOW && this.#queue.length < LINGER_BELOW) {
        await new Promise((r) => setTimeout(r, LINGER_MS));
      }
      const batch = this.#queue.splice(0, MAX_BATCH);
      previousSize = batch.length;
      try {
        await this.#writeBatch(batch);
      } catch {
        // One by one, in arrival order, so which of two clashing requests wins is deterministic.
        for (const p of batch) await this.#writeOne(p);
      }
    }
    this.#writing = false;
  }

  async #writeBatch(batch: Pending[]): Promise<void> {
    const outcomes = await this.#sql.begin(async (tx) => {
      const wanted = new Map<string, number>();
      for (const p of batch) wanted.set(p.job.ownerId, (wanted.get(p.job.ownerId) ?? 0) + 1);
      const { granted, active } = await takeCapSlots(tx, wanted, this.#maxActive);
      // Slots go to requests in arrival order; the rest of an owner's requests are capped.
      const accepted = batch.filter((p) => {
        const left = granted.get(p.job.ownerId) ?? 0;
        if (left === 0) return false;
        granted.set(p.job.ownerId, left - 1);
        return true;
      });
      const rows = await writeJobs(
        tx,
        this.#boss,
        accepted.map((p) => p.job),
        active,
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      return batch.map((p): BatchOutcome => {
        const job = byId.get(p.job.id);
        return job ? { kind: 'created', job } : { kind: 'capped' };
      });
    });
    for (const [i, p] of batch.entries()) p.resolve(outcomes[i] ?? { kind: 'capped' });
  }

  /** The one-request path, used when a batch failed: each request succeeds or fails alone. */
  async #writeOne(p: Pending): Promise<void> {
    try {
      const outcome = await this.#sql.begin(async (tx): Promise<BatchOutcome> => {
        const slots = await takeCapSlots(tx, new Map([[p.job.ownerId, 1]]), this.#maxActive);
        if (!slots.granted.has(p.job.ownerId)) return { kind: 'capped' };
        const [job] = await writeJobs(tx, this.#boss, [p.job], slots.active);
        return job ? { kind: 'created', job } : { kind: 'capped' };
      });
      p.resolve(outcome);
    } catch (error) {
      p.reject(error);
    }
  }
}

/**
 * Writes jobs whose cap slots are already taken, inside `tx`: their fair-share bands, the rows and
 * first events in one statement, and pg-boss's entries in one insert per queue. Every submit path
 * (group commit, a keyed submit, a batch) ends here. Returns the rows in the order given.
 */
export async function writeJobs(
  tx: TxSql,
  boss: PgBoss,
  jobs: NewJob[],
  /** Each owner's active jobs before these, as takeCapSlots counted them. */
  activeBefore: ReadonlyMap<string, number>,
): Promise<JobRow[]> {
  if (jobs.length === 0) return [];
  await placeInFairBands(tx, jobs, activeBefore);
  const rows = await insertJobs(tx, jobs);
  const byQueue = new Map<string, NewJob[]>();
  for (const job of jobs) {
    const queue = queueNameOf(job.type);
    const queued = byQueue.get(queue);
    if (queued) queued.push(job);
    else byQueue.set(queue, [job]);
  }
  for (const [queue, queued] of byQueue) {
    const now = Date.now();
    await boss.insert(
      queue,
      queued.map((job, position) => queueEntryOf(job, position, now)),
      { db: bossDbOf(tx) },
    );
  }
  const byId = new Map(rows.map((r) => [r.id, r]));
  return jobs.flatMap((job) => byId.get(job.id) ?? []);
}
