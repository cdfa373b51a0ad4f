// The retention sweeper: on an interval, in one process at a time (an advisory lock), purges
// expired results, deletes expired jobs and idempotency keys, in batches until none are left.
import type { Config } from '../config.ts';
import type { Sql } from '../db/client.ts';
import {
  deleteExpiredIdempotencyKeys,
  deleteExpiredJobs,
  purgeExpiredResults,
} from '../jobs/retention-store.ts';
import type { Logger } from '../observability/logger.ts';

const SWEEPER_LOCK_ID = 7_461_923_002;

/** Repeats a batched step until it affects no rows; returns the total. */
async function drain(step: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await step();
    total += n;
    if (n === 0) return total;
  }
}

export async function sweepOnce(
  sql: Sql,
  config: Config,
): Promise<{ purged: number; deleted: number; keys: number }> {
  const totals = { purged: 0, deleted: 0, keys: 0 };
  await sql.reserve().then(async (conn) => {
    try {
      const [lock] = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(${SWEEPER_LOCK_ID}) as ok`;
      if (!lock?.ok) return;
      try {
        totals.purged = await drain(() => purgeExpiredResults(sql, config.RESULT_TTL_SECONDS));
        totals.deleted = await drain(() => deleteExpiredJobs(sql, config.JOB_TTL_SECONDS));
        totals.keys = await drain(() => deleteExpiredIdempotencyKeys(sql, config.IDEMPOTENCY_TTL_SECONDS));
      } finally {
        await conn`select pg_advisory_unlock(${SWEEPER_LOCK_ID})`;
      }
    } finally {
      conn.release();
    }
  });
  return totals;
}

export function startRetentionSweeper(
  sql: Sql,
  config: Config,
  log: Logger,
  intervalMs = 60_000,
): () => void {
  const timer = setInterval(() => {
    sweepOnce(sql, config)
      .then((t) => {
        if (t.purged + t.deleted + t.keys > 0) log.info('retention sweep', t);
      })
      .catch((error) => log.warn('retention sweep failed', { error: String(error) }));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
