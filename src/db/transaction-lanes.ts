// Transactions in as few round trips as their statements allow, for the group-committed writers.
// postgres.js's sql.begin() waits for BEGIN before the first statement can go out and sends
// COMMIT after the callback returns. A writer that pipelines its own COMMIT behind its last
// statements (so that its locks are held for one round trip, not two) then leaves sql.begin a
// second COMMIT to send on a connection already back in the pool: a wasted round trip, and with
// every connection busy it can be handed to the next transaction first and never settle (seen: a
// submit batch whose promise hung forever, and with it the batcher).
//
// A lane is a postgres.js instance with one connection (max: 1, the setting in which postgres.js
// accepts BEGIN as a plain statement), used by one transaction at a time: BEGIN travels with the
// first statements, the writer's COMMIT with its last, and nothing else runs in between. A
// connection lost mid-transaction (the server rolled it back) is noticed through postgres.js's
// onclose, and statements are refused from then on: sent, they would run on the next connection,
// outside the transaction.
import { createSql, type LaneSql } from './client.ts';

/** A transaction on a lane: its statements, and the means to end it. */
export interface LaneTransaction {
  sql: LaneSql;
  /**
   * Throws if the connection was lost since BEGIN. Call it before sending statements after an
   * await: a statement sent after the loss would run on a new connection, outside the transaction.
   */
  ensureOpen(): void;
  /** Sends COMMIT behind what was sent (after ensureOpen); resolves when it is done. */
  commit(): Promise<unknown>;
}

export class ConnectionLostError extends Error {
  readonly code = 'CONNECTION_CLOSED';
  constructor() {
    super('the connection was lost during the transaction; the server rolled it back');
  }
}

interface Lane {
  sql: LaneSql;
  /** How many times its connection has closed: changed since BEGIN = the transaction is gone. */
  closes: number;
}

export class TransactionLanes {
  readonly #lanes: Lane[] = [];
  readonly #free: Lane[] = [];
  readonly #waiting: Array<(lane: Lane) => void> = [];

  constructor(url: string, count: number) {
    for (let i = 0; i < count; i++) {
      const lane: Lane = { sql: undefined as unknown as LaneSql, closes: 0 };
      lane.sql = createSql(url, {
        max: 1,
        onclose: () => {
          lane.closes++;
        },
      }) as LaneSql;
      this.#lanes.push(lane);
      this.#free.push(lane);
    }
  }

  /**
   * Runs `body` in a transaction on a free lane (waiting for one). A body that did not commit is
   * committed after it returns; one that throws is rolled back.
   */
  async run<T>(body: (tx: LaneTransaction) => Promise<T>): Promise<T> {
    const lane = await this.#acquire();
    const closesAtBegin = lane.closes;
    const ensureOpen = () => {
      if (lane.closes !== closesAtBegin) throw new ConnectionLostError();
    };
    let committed = false;
    const tx: LaneTransaction = {
      sql: lane.sql,
      ensureOpen,
      commit() {
        ensureOpen();
        committed = true;
        return lane.sql`commit`.execute();
      },
    };
    try {
      // Not awaited: a failed BEGIN fails the statements behind it, which the body awaits.
      lane.sql`begin`.execute().catch(() => {});
      const result = await body(tx);
      if (!committed) await tx.commit();
      return result;
    } catch (error) {
      // After a lost connection there is nothing to roll back (and a ROLLBACK would go to the next).
      if (lane.closes === closesAtBegin) await lane.sql`rollback`.catch(() => {});
      throw error;
    } finally {
      this.#release(lane);
    }
  }

  async end(options?: { timeout?: number }): Promise<void> {
    await Promise.all(this.#lanes.map((lane) => lane.sql.end(options)));
  }

  #acquire(): Promise<Lane> {
    const lane = this.#free.pop();
    if (lane) return Promise.resolve(lane);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(lane: Lane): void {
    const next = this.#waiting.shift();
    if (next) next(lane);
    else this.#free.push(lane);
  }
}
