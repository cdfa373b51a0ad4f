// Group commit for terminal statuses: attempts that end while a batch is being written are
// written together in the next one — one transaction, their conditional UPDATEs pipelined on one
// connection, their terminal hooks (callback events) inside it, one commit. Each caller resumes
// only after that commit. If a batch fails, its attempts are written one by one, so a failing row
// never fails its neighbours. Exactly-once still comes from each UPDATE's (id, attempt, running)
// condition, not from the batching.
import type { Sql } from '../db/client.ts';
import { canceledError } from '../jobs/job-errors.ts';
import { type AttemptOutcome, finishAttempt, type JobRow } from '../jobs/job-store.ts';
import { runTerminalHooks, type TerminalHook } from '../jobs/terminal-hooks.ts';

const MAX_BATCH = 200;

interface PendingFinish {
  id: string;
  attempt: number;
  outcome: AttemptOutcome;
  resolve(row: JobRow | undefined): void;
  reject(error: unknown): void;
}

export class AttemptFinisher {
  readonly #sql: Sql;
  readonly #hooks: readonly TerminalHook[];
  #queue: PendingFinish[] = [];
  #writing = false;

  constructor(sql: Sql, hooks: readonly TerminalHook[]) {
    this.#sql = sql;
    this.#hooks = hooks;
  }

  finish(id: string, attempt: number, outcome: AttemptOutcome): Promise<JobRow | undefined> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ id, attempt, outcome, resolve, reject });
      if (!this.#writing) {
        this.#writing = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, MAX_BATCH);
      try {
        const rows = await this.#write(batch);
        for (const [i, p] of batch.entries()) p.resolve(rows[i]);
      } catch {
        for (const p of batch) {
          await this.#write([p]).then(
            ([row]) => p.resolve(row),
            (error) => p.reject(error),
          );
        }
      }
    }
    this.#writing = false;
  }

  #write(batch: PendingFinish[]): Promise<Array<JobRow | undefined>> {
    return this.#sql.begin(async (tx) => {
      const rows = await Promise.all(
        batch.map((p) => finishAttempt(tx, p.id, p.attempt, p.outcome, canceledError())),
      );
      for (const row of rows) if (row) await runTerminalHooks(this.#hooks, tx, row);
      return rows;
    });
  }
}
