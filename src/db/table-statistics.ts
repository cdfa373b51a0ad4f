// Keeps the planner's picture of the queue current when a backlog appears. Statistics taken while
// a queue was empty make the planner expect one queued row: pg-boss's fetch then sorts the whole
// queue and joins it back to itself, and our terminal statement hash-joins every active job, so
// each statement costs O(backlog) and a burst feeds on itself (measured in a flooded bench: a
// 940-job queue cost one fetch 60,000 row comparisons, and at 14,000 queued the workers fell to a
// third of their rate with p50 14 s). Autovacuum re-analyzes, but on its own schedule (a minute
// or more), and may just as well have taken its sample while the queue was empty. So when a fetch
// comes back full, the planner is asked how many queued rows it expects; a table it believes
// holds fewer than a full fetch (100) is analyzed.
import type { Sql } from './client.ts';

/** At most one look at the planner's estimates per this many ms, however often a backlog is seen. */
export const STATISTICS_CHECK_MS = 5000;
/**
 * ANALYZE costs a backend 0.1–0.5 s on this machine's bench tables, so at most one per 10 s: a
 * sample taken at the very start of a burst can still be small, and the next one fixes that.
 */
export const MIN_ANALYZE_INTERVAL_MS = 10_000;
/** The planner should expect at least a full fetch's worth of queued rows while there is a backlog. */
export const BACKLOG_ROWS = 100;

/** A table and the rows of it a backlog consists of (SQL, quoted by the server or constant). */
export interface BacklogProbe {
  table: string;
  where: string;
}

type ExplainRow = { 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] };

export interface TableStatisticsOptions {
  sql: Sql;
  probes: () => Promise<BacklogProbe[]>;
  onError: (error: unknown) => void;
}

export class TableStatistics {
  readonly #o: TableStatisticsOptions;
  #lastCheck = Number.NEGATIVE_INFINITY;
  #lastAnalyze = Number.NEGATIVE_INFINITY;
  #busy = false;

  constructor(options: TableStatisticsOptions) {
    this.#o = options;
  }

  /** A fetch came back full: refresh stale statistics in the background. */
  backlogSeen(): void {
    const now = Date.now();
    if (this.#busy || now - this.#lastCheck < STATISTICS_CHECK_MS) return;
    if (now - this.#lastAnalyze < MIN_ANALYZE_INTERVAL_MS) return;
    this.#lastCheck = now;
    this.#busy = true;
    this.refresh(BACKLOG_ROWS)
      .catch(this.#o.onError)
      .finally(() => {
        this.#busy = false;
      });
  }

  /** Analyzes the tables whose backlog the planner puts below `atLeast` rows; returns their names. */
  async refresh(atLeast: number): Promise<string[]> {
    const stale = new Set<string>();
    for (const probe of await this.#o.probes()) {
      if ((await this.#estimate(probe)) < atLeast) stale.add(probe.table);
    }
    if (stale.size === 0) return [];
    this.#lastAnalyze = Date.now();
    // SKIP_LOCKED: a table autovacuum is busy with gets fresh statistics from autovacuum.
    await this.#o.sql.unsafe(`analyze (skip_locked) ${[...stale].join(', ')}`);
    return [...stale];
  }

  async #estimate({ table, where }: BacklogProbe): Promise<number> {
    const [row] = await this.#o.sql.unsafe<ExplainRow[]>(
      `explain (format json) select 1 from ${table} where ${where}`,
    );
    return row?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? 0;
  }
}

/** What a queue runner's statements scan under a backlog: pg-boss's queued entries and our active jobs. */
export function queueProbesOf(sql: Sql, queues: readonly string[]): () => Promise<BacklogProbe[]> {
  return async () => {
    const entries = await sql<BacklogProbe[]>`
      select format('pgboss.%I', table_name) as table,
             format('name = %L and state < %L', name, 'active') as where
      from pgboss.queue where name = any(${queues as string[]})`;
    return [{ table: 'jobs', where: `status in ('queued', 'running')` }, ...entries];
  };
}
