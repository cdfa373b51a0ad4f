// Settles attempts, group-committed (db/group-commit.ts): attempts that end while a batch is being
// written are settled together in the next one — one transaction holding their fenced UPDATEs
// (pipelined on one connection), their terminal hooks (callback events, the outbox), and
// pg-boss's own settlement of their queue entries (delete, fail → retry, restore) through the
// same transaction, so a job's status and its queue entry can never disagree. Each caller resumes
// only after that commit. Exactly-once comes from each UPDATE's (id, attempt, running) condition
// and pg-boss's (id, retry_count) fence, not from the batching.
import type { PgBoss } from 'pg-boss';
import { CUSTOM_PLANS, type Sql, type TxSql } from '../db/client.ts';
import { GroupCommit } from '../db/group-commit.ts';
import { canceledError } from '../jobs/job-errors.ts';
import {
  type AttemptOutcome,
  type FinishWrite,
  finishAttempt,
  finishAttempts,
  type JobRow,
  type ProgressValue,
  releaseAttempt,
  requeueAttempt,
  writeProgress,
} from '../jobs/job-store.ts';
import { runTerminalHooks, type TerminalHook } from '../jobs/terminal-hooks.ts';
import { bossDbOf, settledIdsOf } from '../queue/pg-boss-adapter.ts';

const MAX_BATCH = 200;

/** The queue entry an attempt runs under, as fetched: (id, retryCount) is pg-boss's fence. */
export interface QueueEntry {
  queue: string;
  id: string;
  retryCount: number;
}

type Settlement =
  /** A terminal status; the queue entry is deleted (see settleQueueEntries). */
  | {
      kind: 'finish';
      id: string;
      attempt: number;
      outcome: AttemptOutcome;
      entry?: QueueEntry | undefined;
      /** The attempt's last progress report, not yet written: stored with the status. */
      progress?: ProgressValue | undefined;
    }
  /** A failed attempt with retries left: back to queued, and pg-boss schedules the retry. */
  | {
      kind: 'requeue';
      id: string;
      attempt: number;
      error: Record<string, unknown>;
      entry?: QueueEntry | undefined;
    }
  /**
   * Given back without counting a failure. On a graceful stop the queue entry is replaced by a
   * fresh one (same id), so a deploy never spends one of the crash retries (pg-boss counts every
   * claim after the first); after a lost claim pg-boss has already moved the entry on.
   */
  | { kind: 'release'; id: string; attempt: number; restore: boolean; entry?: QueueEntry | undefined };

export class AttemptFinisher {
  readonly #hooks: readonly TerminalHook[];
  readonly #boss: PgBoss | undefined;
  readonly #commit: GroupCommit<Settlement, JobRow | undefined>;
  readonly #sql: Sql;

  constructor(sql: Sql, hooks: readonly TerminalHook[], boss?: PgBoss) {
    this.#sql = sql;
    this.#hooks = hooks;
    this.#boss = boss;
    // Two batches in flight: different jobs, and a job settled twice is fenced by its row lock.
    this.#commit = new GroupCommit({
      maxBatch: MAX_BATCH,
      maxInFlight: 2,
      writeBatch: (batch) => this.#write(batch),
    });
  }

  /**
   * Writes the attempt's terminal status (undefined when the fence refused it), with its last
   * progress report when one is given (its event before the status event).
   */
  finish(
    id: string,
    attempt: number,
    outcome: AttemptOutcome,
    entry?: QueueEntry,
    progress?: ProgressValue,
  ): Promise<JobRow | undefined> {
    return this.#commit.submit({ kind: 'finish', id, attempt, outcome, entry, progress });
  }

  /** Puts a failed attempt back to queued for a retry (undefined when refused, e.g. cancel requested). */
  requeue(id: string, attempt: number, error: Record<string, unknown>, entry?: QueueEntry) {
    return this.#commit.submit({ kind: 'requeue', id, attempt, error, entry });
  }

  release(id: string, attempt: number, restore: boolean, entry?: QueueEntry) {
    return this.#commit.submit({ kind: 'release', id, attempt, restore, entry });
  }

  drained(): Promise<void> {
    return this.#commit.drained();
  }

  #write(batch: Settlement[]): Promise<Array<JobRow | undefined>> {
    return this.#sql.begin(async (tx) => {
      // Its statements find jobs by a batch of ids: planned for those ids (see SqlOptions.customPlans).
      tx`select set_config('plan_cache_mode', ${CUSTOM_PLANS}, true)`.execute().catch(() => {});
      const rows = await writeSettlements(tx, batch);
      // Hooks of different jobs and the queue entries' settlement, pipelined.
      await Promise.all([
        ...rows.map((row, i) =>
          row && batch[i]?.kind === 'finish' ? runTerminalHooks(this.#hooks, tx, row) : undefined,
        ),
        this.#boss ? settleQueueEntries(this.#boss, tx, batch, rows) : undefined,
      ]);
      return rows;
    });
  }
}

/**
 * Terminal statuses of different jobs in one statement; the rest (requeues, releases, artifacts,
 * a job's second settlement in the same batch) one statement each, pipelined after it.
 */
async function writeSettlements(tx: TxSql, batch: Settlement[]): Promise<Array<JobRow | undefined>> {
  const seen = new Set<string>();
  const together: Array<FinishWrite & { i: number }> = [];
  const alone: number[] = [];
  for (const [i, s] of batch.entries()) {
    if (s.kind === 'finish' && !seen.has(s.id) && !(s.outcome.status === 'succeeded' && s.outcome.artifact)) {
      together.push({ i, id: s.id, attempt: s.attempt, outcome: s.outcome, progress: s.progress });
    } else alone.push(i);
    seen.add(s.id);
  }
  const rows: Array<JobRow | undefined> = new Array(batch.length);
  const written = await finishAttempts(tx, together, canceledError());
  for (const t of together) rows[t.i] = written.get(t.id);
  const others = await Promise.all(alone.map((i) => writeSettlement(tx, batch[i] as Settlement)));
  for (const [k, i] of alone.entries()) rows[i] = others[k];
  return rows;
}

function writeSettlement(tx: TxSql, s: Settlement): Promise<JobRow | undefined> {
  switch (s.kind) {
    case 'finish':
      // Its progress first, in the same transaction (finishAttempts writes both in one statement).
      return (s.progress ? writeProgress(tx, s.id, s.attempt, s.progress) : Promise.resolve()).then(() =>
        finishAttempt(tx, s.id, s.attempt, s.outcome, canceledError()),
      );
    case 'requeue':
      return requeueAttempt(tx, s.id, s.attempt, s.error);
    case 'release':
      return releaseAttempt(tx, s.id, s.attempt);
  }
}

/**
 * pg-boss's side, one statement per queue and kind, in the same transaction. A finished job's
 * entry is deleted, not completed: the job's row holds its outcome, nothing reads a completed
 * entry, and pg-boss's completion wrote a new row version with four index entries that its
 * maintenance deleted again days later (a delete writes no index entry). Fenced by
 * (id, retry_count) as complete() is, so a stale attempt's finish leaves the live entry alone.
 */
async function settleQueueEntries(
  boss: PgBoss,
  tx: TxSql,
  batch: Settlement[],
  rows: Array<JobRow | undefined>,
): Promise<void> {
  const groups = new Map<string, { queue: string; kind: string; entries: QueueEntry[]; output?: unknown }>();
  for (const [i, s] of batch.entries()) {
    if (!s.entry) continue;
    // A finish settles its entry even when the fence refused the status (the job ended some
    // other way: canceled while queued, say); a requeue or release only when it took effect.
    if (s.kind !== 'finish' && !rows[i]) continue;
    if (s.kind === 'release' && !s.restore) continue;
    const key = `${s.kind} ${s.entry.queue}`;
    const group = groups.get(key) ?? { queue: s.entry.queue, kind: s.kind, entries: [] };
    group.entries.push(s.entry);
    if (s.kind === 'requeue') group.output = { message: String(s.error.detail ?? 'attempt failed') };
    groups.set(key, group);
  }
  const db = bossDbOf(tx);
  for (const { queue, kind, entries, output } of groups.values()) {
    const jobs = entries.map((e) => ({ id: e.id, retryCount: e.retryCount }));
    if (kind === 'finish') await boss.deleteJob(queue, jobs, { db });
    else if (kind === 'requeue') await boss.fail(queue, jobs, output as object, { db });
    else {
      const deleted = await boss.deleteJob(queue, jobs, { db });
      const settled = new Set(settledIdsOf((deleted as { settled?: unknown }).settled));
      const fresh = entries.filter((e) => settled.has(e.id));
      if (fresh.length > 0)
        await boss.insert(
          queue,
          fresh.map((e) => ({ id: e.id, data: { job_id: e.id } })),
          { db },
        );
    }
  }
}
