// Fair share between owners (CONTRACT "Scheduling"), decided at submit so that a fetch stays one
// index scan: a queued job's pg-boss priority is `band * BAND_WIDTH + priority`. The band falls
// with how many jobs its owner already has queued or running (the cap's count): 0 for the first,
// -1 for the second, -2 for the next two, -k for up to 2^k. So an owner with nothing queued lands ahead of
// all but at most one job of every flooding owner, and a flood interleaves with newcomers on a
// log scale. Within one owner and type, bands are kept consistent with (priority desc, submit
// order): a job never lands above an earlier job of equal or higher priority, and earlier jobs
// of lower priority are demoted to the new job's band (a bounded UPDATE: at most ~2^k rows).
import type { JobInsert } from 'pg-boss';
import type { TxSql } from '../db/client.ts';
import { queueNameOf } from '../job-types/registry.ts';
import type { NewJob } from './job-store.ts';

/** Wider than the priority range (-100..100), so a priority never lifts a job out of its band. */
export const BAND_WIDTH = 1000;

/** The band of a job whose owner already has `queued` jobs of its type queued: -ceil(log2(queued + 1)). */
export function bandForQueued(queued: number): number {
  return queued <= 0 ? 0 : -(32 - Math.clz32(queued));
}

/** The pg-boss priority a job is queued with: its band first, then its own priority. */
export function queuePriorityOf(job: Pick<NewJob, 'fairBand' | 'priority'>): number {
  return job.fairBand * BAND_WIDTH + job.priority;
}

/**
 * The pg-boss entry of a job: its id, its fair priority and when it may start. Jobs written in one
 * transaction share pg-boss's created_on; the index pg-boss fetches through (job_i11) breaks that
 * tie by start_after, so due jobs get start_after = now + their position in microseconds: equal
 * priorities then start in submit order, at most a millisecond later for a batch of 1,000.
 */
export function queueEntryOf(job: NewJob, position = 0, now = Date.now()): JobInsert<{ job_id: string }> {
  const scheduled = job.runAt !== null && Date.parse(job.runAt) > now;
  return {
    id: job.id,
    data: { job_id: job.id },
    priority: queuePriorityOf(job),
    // pg-boss reads a date-time string as a time (an offset included), anything else as an interval.
    ...(scheduled
      ? { startAfter: job.runAt as string }
      : position > 0
        ? { startAfter: `${position} microseconds` }
        : {}),
  };
}

/**
 * Queued jobs of one owner and type with the same priority and band. Placement needs only which
 * (priority, band) pairs exist, so the lowest and highest band of each priority stand for all.
 */
export interface QueuedGroup {
  priority: number;
  band: number;
  count: number;
}

/** Lower every queued job of the owner and type below `belowPriority` that sits above `toBand`. */
export interface Demotion {
  belowPriority: number;
  toBand: number;
}

/**
 * Places new jobs (in submit order) of one owner and type beside the ones already queued.
 * Pure: returns each new job's band and the demotions to apply to the rows already stored.
 */
export function placeJobs(
  existing: readonly QueuedGroup[],
  priorities: readonly number[],
  /** How many jobs the owner has before these (at least its queued jobs of this type). */
  queuedBefore: number,
): { bands: number[]; demotions: Demotion[] } {
  // Jobs by (priority, band): how many are stored, and which of the new ones sit there. Few
  // groups (a flood of one priority spans ~log2(n) bands), so each placement is O(groups).
  interface Group {
    priority: number;
    band: number;
    stored: number;
    placed: number[];
  }
  const groups = new Map<string, Group>();
  const groupOf = (priority: number, band: number) => {
    const key = `${priority}/${band}`;
    let g = groups.get(key);
    if (!g) {
      g = { priority, band, stored: 0, placed: [] };
      groups.set(key, g);
    }
    return g;
  };
  for (const e of existing) groupOf(e.priority, e.band).stored += e.count;
  let queued = queuedBefore;
  const demotions: Demotion[] = [];
  for (const [index, priority] of priorities.entries()) {
    let band = bandForQueued(queued);
    // Never above a queued job that must start first (higher priority, or equal and earlier).
    for (const g of groups.values()) if (g.priority >= priority) band = Math.min(band, g.band);
    let demoted = false;
    for (const g of [...groups.values()]) {
      if (g.priority >= priority || g.band <= band) continue;
      groups.delete(`${g.priority}/${g.band}`);
      const target = groupOf(g.priority, band);
      target.stored += g.stored;
      target.placed.push(...g.placed);
      if (g.stored > 0) demoted = true;
    }
    if (demoted) demotions.push({ belowPriority: priority, toBand: band });
    groupOf(priority, band).placed.push(index);
    queued += 1;
  }
  const bands = new Array<number>(priorities.length).fill(0);
  for (const g of groups.values()) for (const i of g.placed) bands[i] = g.band;
  return { bands, demotions };
}

/**
 * The (priority, band) pairs that bound the queued jobs of each (owner, type): per priority in
 * use, its lowest and highest band. A loose index scan (jobs_owner_queued_idx) per pair: a few
 * index probes per priority in use, however many jobs are queued. One statement for all pairs: a
 * batch of many owners sent one statement each, and those were most of the batch's statements.
 * Every pair gets an entry (empty when it has nothing queued).
 */
async function readQueuedBounds(
  tx: TxSql,
  pairs: ReadonlyArray<{ ownerId: string; type: string }>,
): Promise<Map<string, QueuedGroup[]>> {
  const rows = await tx<
    { owner_id: string; type: string; priority: number; min_band: number; max_band: number }[]
  >`
    select q.owner_id, q.type, b.priority, b.min_band, b.max_band
    from unnest(${pairs.map((p) => p.ownerId)}::text[], ${pairs.map((p) => p.type)}::text[]) as q(owner_id, type)
    cross join lateral (
      with recursive used as (
        (select priority from jobs
         where owner_id = q.owner_id and type = q.type and status = 'queued' order by priority limit 1)
        union all
        select (select j.priority from jobs j
                where j.owner_id = q.owner_id and j.type = q.type and j.status = 'queued' and j.priority > u.priority
                order by j.priority limit 1)
        from used u where u.priority is not null
      )
      select u.priority,
        (select min(j.fair_band) from jobs j where j.owner_id = q.owner_id and j.type = q.type
           and j.status = 'queued' and j.priority = u.priority) as min_band,
        (select max(j.fair_band) from jobs j where j.owner_id = q.owner_id and j.type = q.type
           and j.status = 'queued' and j.priority = u.priority) as max_band
      from used u where u.priority is not null
    ) b`;
  const bounds = new Map<string, QueuedGroup[]>(pairs.map((pair) => [groupKey(pair), []]));
  for (const r of rows) {
    const groups = bounds.get(groupKey({ ownerId: r.owner_id, type: r.type })) ?? [];
    groups.push({ priority: r.priority, band: r.min_band, count: 1 });
    if (r.max_band !== r.min_band) groups.push({ priority: r.priority, band: r.max_band, count: 1 });
  }
  return bounds;
}

const groupKey = (job: Pick<NewJob, 'ownerId' | 'type'>) => `${job.ownerId}\u0000${job.type}`;

/** New jobs by (owner, type), in submit order within each group. */
function groupByOwnerAndType(jobs: readonly NewJob[]): NewJob[][] {
  const byOwnerType = new Map<string, NewJob[]>();
  for (const job of jobs) {
    const group = byOwnerType.get(groupKey(job));
    if (group) group.push(job);
    else byOwnerType.set(groupKey(job), [job]);
  }
  return [...byOwnerType.values()];
}

/** What placement needs from the database: the queued bounds of every (owner, type) among `jobs`. */
export type PlacementBounds = ReadonlyMap<string, QueuedGroup[]>;

/**
 * Reads the bounds for `jobs`, one statement for every (owner, type) among them. Its statement is
 * sent before this returns a promise, so a caller can send it right behind the owners' submit lock.
 */
export function readPlacementBounds(tx: TxSql, jobs: readonly NewJob[]): Promise<PlacementBounds> {
  return readQueuedBounds(
    tx,
    groupByOwnerAndType(jobs).map((group) => group[0] as NewJob),
  );
}

/** A demotion to apply to one owner's stored jobs of one type. */
export interface OwnerDemotion extends Demotion {
  ownerId: string;
  type: string;
}

/**
 * Sets `fairBand` on each new job (pure) and returns the demotions to apply to stored jobs. The
 * bounds must have been read after the owners' cap slots were taken: that lock serialises
 * placements per owner, and the band counts the owner's active jobs as the cap just counted them.
 */
export function assignFairBands(
  jobs: readonly NewJob[],
  bounds: PlacementBounds,
  activeBefore: ReadonlyMap<string, number>,
): OwnerDemotion[] {
  const placedSoFar = new Map<string, number>();
  const demotions: OwnerDemotion[] = [];
  for (const group of groupByOwnerAndType(jobs)) {
    const { ownerId, type } = group[0] as NewJob;
    const before = (activeBefore.get(ownerId) ?? 0) + (placedSoFar.get(ownerId) ?? 0);
    const placed = placeJobs(
      bounds.get(groupKey({ ownerId, type })) ?? [],
      group.map((j) => j.priority),
      before,
    );
    for (const [k, job] of group.entries()) job.fairBand = placed.bands[k] ?? 0;
    for (const d of placed.demotions) demotions.push({ ...d, ownerId, type });
    placedSoFar.set(ownerId, (placedSoFar.get(ownerId) ?? 0) + group.length);
  }
  return demotions;
}

/** Moves the owner's queued jobs of a type below a priority down to a band, here and in pg-boss. */
export async function demoteQueuedJobs(tx: TxSql, { ownerId, type, ...d }: OwnerDemotion): Promise<void> {
  await tx`
    with d as (
      update jobs set fair_band = ${d.toBand}
      where owner_id = ${ownerId} and type = ${type} and status = 'queued'
        and priority < ${d.belowPriority} and fair_band > ${d.toBand}
      returning id, priority
    )
    update pgboss.job b set priority = ${d.toBand * BAND_WIDTH} + d.priority
    from d where b.name = ${queueNameOf(type)} and b.id = d.id::uuid and b.state < 'active'`;
}
