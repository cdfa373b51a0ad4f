// The group-commit primitive on its own (no database): what joins a batch, how a failed batch is
// settled item by item, and when a second batch may start while one is in flight.
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/db/group-commit.ts';

/** A writer whose batches finish only when the test releases them. */
function heldWriter() {
  const batches: number[][] = [];
  const releases: Array<() => void> = [];
  const writeBatch = async (items: number[]) => {
    batches.push(items);
    await new Promise<void>((resolve) => releases.push(resolve));
    return items.map((n) => n * 10);
  };
  const waitForBatches = async (n: number) => {
    while (batches.length < n) await new Promise((r) => setImmediate(r));
  };
  return { batches, releases, writeBatch, waitForBatches };
}

describe('GroupCommit', () => {
  it('writes items that arrive while a batch is in flight together in the next batch', async () => {
    const w = heldWriter();
    const commit = new GroupCommit({ maxBatch: 100, writeBatch: w.writeBatch });
    const first = commit.submit(1);
    await w.waitForBatches(1);
    const rest = [2, 3, 4].map((n) => commit.submit(n));
    w.releases[0]?.();
    await w.waitForBatches(2);
    w.releases[1]?.();
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40]);
    expect(w.batches).toEqual([[1], [2, 3, 4]]);
    await commit.drained();
  });

  it('settles a failed batch item by item, so one bad item fails alone', async () => {
    const commit = new GroupCommit<number, number>({
      maxBatch: 100,
      writeBatch: async (items) => {
        if (items.includes(13)) throw new Error('unlucky');
        return items.map((n) => n + 1);
      },
    });
    const results = await Promise.allSettled([1, 13, 2].map((n) => commit.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[0]).toMatchObject({ value: 2 });
  });

  it('hands a batch that failed after its write to recover, which sees the whole batch', async () => {
    const seen: number[][] = [];
    const commit = new GroupCommit<number, string>({
      maxBatch: 100,
      writeBatch: async (items) => items.map(() => 'written'),
      afterWrite: () => {
        throw new Error('acknowledgement lost');
      },
      recover: async (items) => {
        seen.push(items);
        return items.map(() => ({ ok: true as const, value: 'found' }));
      },
    });
    expect(await Promise.all([1, 2].map((n) => commit.submit(n)))).toEqual(['found', 'found']);
    expect(seen).toEqual([[1, 2]]);
  });

  it('starts a second batch while one is in flight only once enough items wait', async () => {
    const w = heldWriter();
    const commit = new GroupCommit({
      maxBatch: 100,
      maxInFlight: 2,
      linger: { below: 3, ms: 1 },
      writeBatch: w.writeBatch,
    });
    const all = [commit.submit(1)];
    await w.waitForBatches(1);
    all.push(commit.submit(2), commit.submit(3));
    // Two waiting: not yet worth a second transaction.
    await new Promise((r) => setTimeout(r, 20));
    expect(w.batches).toHaveLength(1);
    all.push(commit.submit(4));
    await w.waitForBatches(2);
    expect(w.batches[1]).toEqual([2, 3, 4]);
    for (const release of w.releases) release();
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40]);
    await commit.drained();
  });
});
