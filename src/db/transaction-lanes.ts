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

/**
 * How long a transaction may take before its lane is given up: well under the contract's 10 s for
 * a request during an outage. A batch takes milliseconds; past this something hangs (postgres.js
 * can leave a statement unsettled when its connection closes, upstream issues #1186 and #1208).
 */
export const LANE_TIMEOUT_MS = 7000;

/** The transaction outlived LANE_TIMEOUT_MS; its connection was destroyed (the server rolls back). */
export class LaneTimeoutError extends Error {
  readonly code = 'CONNECTION_DESTROYED';
  constructor() {
    super(`a transaction took longer than ${LANE_TIMEOUT_MS} ms; its connection was destroyed`);
  }
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
  readonly #url: string;

  constructor(url: string, count: number) {
    this.#url = url;
    for (let i = 0; i < count; i++) {
      const lane: Lane = { sql: undefined as unknown as LaneSql, closes: 0 };
      this.#connect(lane);
      this.#lanes.push(lane);
      this.#free.push(lane);
    }
  }

  /** Gives the lane a fresh one-connection pool; a lane's closes only ever grow. */
  #connect(lane: Lane): void {
    const pool = createSql(this.#url, {
      max: 1,
      onclose: () => {
        if (lane.sql === pool) lane.closes++;
      },
    }) as LaneSql;
    lane.sql = pool;
  }

  /** A hung transaction: its pool is destroyed (its statements fail) and the lane gets a new one. */
  #replace(lane: Lane): void {
    const old = lane.sql;
    lane.closes++;
    this.#connect(lane);
    old.end({ timeout: 0 }).catch(() => {});
  }

  /**
   * Runs `body` in a transaction on a free lane (waiting for one). A body that did not commit is
   * committed after it returns; one that throws is rolled back.
   */
  async run<T>(body: (tx: LaneTransaction) => Promise<T>): Promise<T> {
    const lane = await this.#acquire();
    const closesAtBegin = lane.closes;
    // A BEGIN that failed (the server unreachable past connect_timeout) leaves the statements
    // behind it queued for the next connection, where they would run outside any transaction.
    let beginFailure: { error: unknown } | undefined;
    const ensureOpen = () => {
      if (beginFailure) throw beginFailure.error;
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
    // Not awaited before the body: BEGIN goes out with its first statements. Its failure ends
    // the run at once rather than after the statements queued behind it.
    const beginFailed = lane.sql`begin`.execute().then(
      () => new Promise<never>(() => {}),
      (error: unknown) => {
        beginFailure = { error };
        throw error;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.#replace(lane);
        reject(new LaneTimeoutError());
      }, LANE_TIMEOUT_MS);
    });
    const work = (async () => {
      const result = await body(tx);
      if (!committed) await tx.commit();
      return result;
    })();
    try {
      return await Promise.race([work, beginFailed, timedOut]);
    } catch (error) {
      // Not awaited: the next transaction's BEGIN goes out behind it on the same connection.
      // After a lost connection there is nothing to roll back (and a ROLLBACK would go to the next).
      if (!beginFailure && lane.closes === closesAtBegin) lane.sql`rollback`.execute().catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
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
