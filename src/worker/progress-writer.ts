// Progress writes of every attempt in this process, group-committed (db/group-commit.ts): one
// statement per batch instead of one round trip per report. The reporter (progress-reporter.ts)
// keeps at most one write in flight per attempt, so a batch never holds two writes of one job.
// Written without waiting for the WAL flush (relaxedSql): a lost progress value is rewritten.
import type { Sql } from '../db/client.ts';
import { GroupCommit } from '../db/group-commit.ts';
import { type ProgressWrite, writeProgressMany } from '../jobs/job-store.ts';

const MAX_BATCH = 500;

export interface ProgressWriter {
  /** Resolves with whether the fenced write took effect. */
  write(write: ProgressWrite): Promise<boolean>;
}

export function createProgressWriter(relaxedSql: Sql): ProgressWriter {
  const commit = new GroupCommit<ProgressWrite, boolean>({
    maxBatch: MAX_BATCH,
    async writeBatch(writes) {
      const written = await writeProgressMany(relaxedSql, writes);
      return writes.map((w) => written.has(w.id));
    },
  });
  return { write: (w) => commit.submit(w) };
}
