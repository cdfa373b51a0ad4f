// Where every submit path ends (group commit, a keyed submit, a batch): jobs whose cap slots are
// already taken get their fair-share bands, then their rows and pg-boss's queue entries, inside
// the caller's transaction.
import type { PgBoss } from 'pg-boss';
import type { TxSql } from '../db/client.ts';
import { BACKLOG_ROWS } from '../db/table-statistics.ts';
import type { LaneTransaction } from '../db/transaction-lanes.ts';
import { queueNameOf } from '../job-types/registry.ts';
import { bossDbOf } from '../queue/pg-boss-adapter.ts';
import {
  assignFairBands,
  demoteQueuedJobs,
  type OwnerDemotion,
  type PlacementBounds,
  queueEntryOf,
  readPlacementBounds,
} from './fair-placement.ts';
import {
  type CapSlots,
  foldActiveJobDeltas,
  insertJobs,
  type JobRow,
  type NewJob,
  takeCapSlots,
} from './job-store.ts';

/**
 * Takes the owners' cap slots (their submit locks, held until the transaction ends) and reads the
 * placement bounds of `jobs`, in one round trip: the bounds' statements run after the locks are
 * granted. Bounds of jobs that turn out capped are read for nothing, which is rare and cheap.
 *
 * `onBacklog` is told when the batch's owners already have BACKLOG_ROWS jobs active between them.
 * Placement reads an owner's queued jobs through an index, but a plan made while the table was
 * nearly empty (a fresh database: no statistics yet, and postgres.js keeps each statement
 * prepared) scans the whole table instead, once per owner per batch: measured on a fresh
 * database, 1.3–2.5 ms per read and a third of the submit rate until autovacuum's first ANALYZE,
 * a minute later (db/table-statistics.ts does that ANALYZE as soon as the planner is found to be
 * wrong). Counted per owner, a backlog spread over many owners went unnoticed: in the bench's 50
 * owners round-robin, the read of a batch's owners averaged 18.6 ms over a 10 s flood (0.5 ms
 * with the sum), and the submit rate rose from ~1,000 to ~2,600 req/s.
 */
export async function takeSlotsAndBounds(
  tx: TxSql,
  wanted: Map<string, number>,
  maxActive: number,
  jobs: readonly NewJob[],
  onBacklog?: () => void,
): Promise<[CapSlots, PlacementBounds]> {
  const taken = await Promise.all([takeCapSlots(tx, wanted, maxActive), readPlacementBounds(tx, jobs)]);
  let active = 0;
  for (const n of taken[0].active.values()) active += n;
  if (onBacklog && active >= BACKLOG_ROWS) onBacklog();
  return taken;
}

/**
 * Writes jobs whose cap slots are taken (takeSlotsAndBounds), inside `tx`: their fair-share
 * bands, then the rows and pg-boss's entries (one insert per queue), pipelined in one round trip.
 * The keyed and batch submit paths end here; group commit sends the same statements through
 * sendPlacedJobs with its COMMIT. Returns the rows in the order given.
 */
export function writeJobs(
  tx: TxSql,
  boss: PgBoss,
  jobs: NewJob[],
  slots: CapSlots,
  bounds: PlacementBounds,
): Promise<JobRow[]> {
  if (jobs.length === 0) return Promise.resolve([]);
  const demotions = assignFairBands(jobs, bounds, slots.active);
  return sendPlacedJobs(tx, boss, jobs, demotions, slots.toFold).rows;
}

/**
 * Like writeJobs, on a lane, with the COMMIT pipelined behind the statements: one round trip for
 * all of it while the owners' locks are held. After a failed statement the COMMIT ends the
 * transaction as a rollback, and the failure is what rejects here.
 */
export async function writeJobsAndCommit(
  lane: LaneTransaction,
  boss: PgBoss,
  jobs: NewJob[],
  slots: CapSlots,
  bounds: PlacementBounds,
): Promise<JobRow[]> {
  const demotions = assignFairBands(jobs, bounds, slots.active);
  lane.ensureOpen();
  const { rows, issued } = sendPlacedJobs(lane.sql, boss, jobs, demotions, slots.toFold);
  // COMMIT only once every statement above is on the wire ahead of it.
  await issued;
  const [written] = await Promise.all([rows, lane.commit()]);
  return written;
}

/**
 * Sends the statements that store placed jobs: the owners' active-job fold when due, demotions of
 * stored jobs, the job rows, and pg-boss's entries (one insert per queue). `issued` resolves once
 * all of them are on the connection (ours are sent at once; pg-boss sends its insert after an
 * await of its own), so a COMMIT sent after it runs after them; `rows` resolves with the rows in
 * the order given.
 */
export function sendPlacedJobs(
  tx: TxSql,
  boss: PgBoss,
  jobs: NewJob[],
  demotions: OwnerDemotion[],
  /** Owners whose active-job deltas are folded in this transaction (takeCapSlots' toFold). */
  fold: string[],
): { rows: Promise<JobRow[]>; issued: Promise<unknown> } {
  const folded = foldActiveJobDeltas(tx, fold);
  const demoted = demotions.map((d) => demoteQueuedJobs(tx, d));
  const inserted = insertJobs(tx, jobs);
  const byQueue = new Map<string, NewJob[]>();
  for (const job of jobs) {
    const queue = queueNameOf(job.type);
    const queued = byQueue.get(queue);
    if (queued) queued.push(job);
    else byQueue.set(queue, [job]);
  }
  const now = Date.now();
  const entries = [...byQueue].map(([queue, queued]) => {
    let onSent = () => {};
    const sent = new Promise<void>((resolve) => {
      onSent = resolve;
    });
    const done = boss.insert(
      queue,
      queued.map((job, position) => queueEntryOf(job, position, now)),
      { db: bossDbOf(tx, onSent) },
    );
    // Sent, or failed before sending (then the batch fails and rolls back).
    return { done, onWire: Promise.race([sent, done]) };
  });
  const rows = Promise.all([inserted, folded, ...demoted, ...entries.map((e) => e.done)]).then(
    ([written]) => {
      const byId = new Map((written as JobRow[]).map((r) => [r.id, r]));
      return jobs.flatMap((job) => byId.get(job.id) ?? []);
    },
  );
  const issued = Promise.all(entries.map((e) => e.onWire));
  // A caller awaits one of the two first; the other's rejection (the same failure) is not news.
  rows.catch(() => {});
  issued.catch(() => {});
  return { rows, issued };
}
