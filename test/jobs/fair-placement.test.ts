// The fair-share placement rules (jobs/fair-placement.ts), checked as pure functions over random
// submit/start sequences: an owner's own order is (priority desc, submit order) whatever the bands,
// and an owner never has more than 2^k queued jobs in bands ≥ -k (what bounds a newcomer's wait).
import { describe, expect, it } from 'vitest';
import { BAND_WIDTH, bandForQueued, placeJobs, type QueuedGroup } from '../../src/jobs/fair-placement.ts';

interface Item {
  seq: number;
  priority: number;
  band: number;
}

/** What the database reads back (readQueuedBounds): per priority, its lowest and highest band. */
const boundsOf = (items: Item[]): QueuedGroup[] => {
  const bounds = new Map<number, { min: number; max: number }>();
  for (const { priority, band } of items) {
    const b = bounds.get(priority) ?? { min: band, max: band };
    bounds.set(priority, { min: Math.min(b.min, band), max: Math.max(b.max, band) });
  }
  return [...bounds].flatMap(([priority, b]) => [
    { priority, band: b.min, count: 1 },
    { priority, band: b.max, count: 1 },
  ]);
};

/** Adds jobs as the database would: new bands, then the demotions applied to stored rows. */
function submit(items: Item[], priorities: number[], nextSeq: () => number, running = 0): void {
  // The band counts what the cap counts: queued and running jobs.
  const { bands, demotions } = placeJobs(boundsOf(items), priorities, items.length + running);
  for (const d of demotions)
    for (const item of items)
      if (item.priority < d.belowPriority && item.band > d.toBand) item.band = d.toBand;
  for (const [i, priority] of priorities.entries())
    items.push({ seq: nextSeq(), priority, band: bands[i] ?? Number.NaN });
}

/** pg-boss's fetch order: the queue priority (band, then priority) desc, then submit order. */
const byQueueOrder = (a: Item, b: Item) =>
  b.band * BAND_WIDTH + b.priority - (a.band * BAND_WIDTH + a.priority) || a.seq - b.seq;
const byOwnerOrder = (a: Item, b: Item) => b.priority - a.priority || a.seq - b.seq;

describe('fair placement', () => {
  it('gives an owner with nothing queued band 0, and a flood bands falling on a log scale', () => {
    expect([0, 1, 2, 3, 4, 7, 8, 1000].map(bandForQueued)).toEqual([0, -1, -2, -2, -3, -3, -4, -10]);
    expect(placeJobs([], [0, 0, 0, 0, 0, 0], 0).bands).toEqual([0, -1, -2, -2, -3, -3]);
    expect(placeJobs([{ priority: 0, band: -12, count: 1 }], [0], 5000).bands).toEqual([-13]);
  });

  it('puts a later higher-priority job ahead, demoting the lower-priority jobs above its band', () => {
    const items: Item[] = [];
    let seq = 0;
    for (const p of [0, 10, -5, 100, 0]) submit(items, [p], () => seq++);
    expect(items.sort(byQueueOrder).map((i) => i.priority)).toEqual([100, 10, 0, 0, -5]);
  });

  it("keeps each owner's order and the band bound over random submits, batches and starts", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const items: Item[] = [];
    let seq = 0;
    for (let step = 0; step < 3000; step++) {
      const r = random();
      if (r < 0.55) {
        const size = random() < 0.2 ? 1 + Math.floor(random() * 20) : 1;
        const priorities = Array.from(
          { length: size },
          () => [-100, -1, 0, 0, 0, 5, 100][Math.floor(random() * 7)] ?? 0,
        );
        submit(items, priorities, () => seq++, Math.floor(random() * 4));
      } else if (items.length > 0) {
        items.sort(byQueueOrder).shift(); // a worker starts the first job in queue order
      }
      const queueOrder = [...items].sort(byQueueOrder).map((i) => i.seq);
      const ownerOrder = [...items].sort(byOwnerOrder).map((i) => i.seq);
      expect(queueOrder).toEqual(ownerOrder);
      for (let k = 0; k <= 12; k++)
        expect(items.filter((i) => i.band >= -k).length).toBeLessThanOrEqual(2 ** k);
    }
  });
});
