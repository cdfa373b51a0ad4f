// Status polls read one job each; under load many arrive at once. Read them as one statement per
// batch (the group-commit primitive, used for reads): one round trip, one parse and one plan for
// every poll waiting, instead of a query each — which on a busy process is most of a poll's cost
// (postgres.js building, writing and parsing, and the server's per-statement work). A lone poll
// is read at once; batching happens only when polls queue up.
import type { Sql } from '../db/client.ts';
import { GroupCommit } from '../db/group-commit.ts';
import { findOwnedJobsOfOwners, isWellFormedJobId, type JobRow } from './job-store.ts';

interface Wanted {
  ownerId: string;
  id: string;
}

export class OwnedJobReader {
  readonly #reads: GroupCommit<Wanted, JobRow | undefined>;

  constructor(sql: Sql, jobTtlSeconds: number) {
    this.#reads = new GroupCommit({
      maxBatch: 200,
      // Reads do not hold locks: let a second batch go while one is in flight.
      maxInFlight: 4,
      // A failed read is the database failing, not one ask: fail every ask at once. Group commit's
      // default, one retry per item in turn, would hold each poll behind the others' retries.
      recover: async (wanted, error) => wanted.map(() => ({ ok: false as const, error })),
      writeBatch: async (wanted) => {
        const rows = await findOwnedJobsOfOwners(sql, wanted, jobTtlSeconds);
        const byId = new Map(rows.map((r) => [r.id, r]));
        // The statement only returns a row to its own owner's ask, but an id asked for by two
        // owners in one batch comes back once: the owner is checked again per ask.
        return wanted.map((w) => {
          const row = byId.get(w.id);
          return row && row.owner_id === w.ownerId ? row : undefined;
        });
      },
    });
  }

  /** The owner's live job with this id, or undefined (missing, another owner's, or expired). */
  find(ownerId: string, id: string): Promise<JobRow | undefined> {
    if (!isWellFormedJobId(id)) return Promise.resolve(undefined);
    return this.#reads.submit({ ownerId, id });
  }
}
