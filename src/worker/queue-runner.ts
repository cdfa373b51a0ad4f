// Runs one job type's queue in this process, River-style: up to `concurrency` attempts at once,
// fetched in batches (one pg-boss fetch for all free slots), claimed in one statement, settled
// through the group-committed finisher, and kept alive by one heartbeat statement for every held
// entry. A fetch happens when woken (NOTIFY of a new job), when slots free up while the last
// fetch came back full (a backlog), and on a slow poll that finds retries and rescued entries.
import type { Job, PgBoss } from 'pg-boss';
import type { AnyJobType } from '../job-types/define-job-type.ts';
import { queueNameOf } from '../job-types/registry.ts';
import { startAttempts } from '../jobs/job-store.ts';
import type { Logger } from '../observability/logger.ts';
import { settledIdsOf } from '../queue/pg-boss-adapter.ts';
import type { QueueEntry } from './attempt-finisher.ts';
import { type AttemptDeps, runAttempt, STOPPING } from './run-attempt.ts';

/** The most entries one fetch takes, whatever the free slots. */
const MAX_FETCH = 100;

export interface QueueRunnerOptions {
  boss: PgBoss;
  type: AnyJobType;
  concurrency: number;
  attemptDeps: AttemptDeps;
  log: Logger;
  /** How often an idle runner fetches without being woken (retries, rescued entries). */
  pollMs: number;
  /** pg-boss's heartbeat interval for the queue; refreshed at half of it. */
  heartbeatSeconds: number;
  /** A fetch came back full: a backlog, for which stale planner statistics are costly. */
  onBacklog?: () => void;
}

interface Held {
  entry: QueueEntry;
  claim: AbortController;
}

export class QueueRunner {
  readonly #o: QueueRunnerOptions;
  readonly #queue: string;
  readonly #held = new Map<string, Held>();
  readonly #settled = new Set<Promise<void>>();
  #wakeUp: (() => void) | undefined;
  #woken = false;
  #backlog = false;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(options: QueueRunnerOptions) {
    this.#o = options;
    this.#queue = queueNameOf(options.type.type);
  }

  get queue(): string {
    return this.#queue;
  }

  get runningCount(): number {
    return this.#held.size;
  }

  start(): void {
    this.#loop = this.#run();
    this.#heartbeat = setInterval(() => void this.#touch(), (this.#o.heartbeatSeconds * 1000) / 2);
    this.#heartbeat.unref();
  }

  /** A new job may be waiting: fetch as soon as a slot is free. */
  wake(): void {
    this.#woken = true;
    this.#wakeUp?.();
  }

  /**
   * Stops fetching, gives running attempts `graceMs` to end, then aborts the rest: they are
   * released with a fresh queue entry (a deploy is not a crash, and spends no retry).
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    this.#wakeUp?.();
    await this.#loop;
    const all = Promise.all([...this.#settled]);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace'>((resolve) => {
      timer = setTimeout(() => resolve('grace'), graceMs);
    });
    if ((await Promise.race([all, graceOver])) === 'grace') {
      for (const held of this.#held.values()) held.claim.abort(STOPPING);
      await all;
    }
    clearTimeout(timer);
    clearInterval(this.#heartbeat);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const free = this.#o.concurrency - this.#held.size;
      const wanted = this.#woken || this.#backlog;
      if (free <= 0 || !wanted) {
        const polled = await this.#sleep(this.#o.pollMs);
        // Let every attempt that ended in the same batch free its slot before fetching.
        await new Promise((r) => setImmediate(r));
        if (polled) this.#woken = true; // the poll: fetch once
        continue;
      }
      this.#woken = false;
      const size = Math.min(free, MAX_FETCH);
      let jobs: Job<{ job_id: string }>[];
      try {
        jobs = await this.#o.boss.fetch<{ job_id: string }>(this.#queue, { batchSize: size });
      } catch (error) {
        this.#o.log.warn('fetch failed', { queue: this.#queue, error: String(error) });
        await this.#sleep(this.#o.pollMs);
        continue;
      }
      this.#backlog = jobs.length === size;
      if (this.#backlog) this.#o.onBacklog?.();
      if (jobs.length > 0) await this.#startAll(jobs);
    }
  }

  /** Sleeps until woken or `ms` pass; resolves true when the time ran out (a poll is due). */
  #sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const self = this;
      const timer = setTimeout(() => done(true), ms);
      function done(polled = false) {
        clearTimeout(timer);
        self.#wakeUp = undefined;
        resolve(polled);
      }
      this.#wakeUp = done;
      if (this.#stopped || (this.#woken && this.#o.concurrency > this.#held.size)) done();
    });
  }

  /** Claims the fetched batch in one statement and starts each attempt (without waiting for them). */
  async #startAll(jobs: Job<{ job_id: string }>[]): Promise<void> {
    const entries = new Map(
      jobs.map((j) => [j.data.job_id, { queue: this.#queue, id: j.id, retryCount: j.retryCount }]),
    );
    for (const [jobId, entry] of entries) this.#held.set(jobId, { entry, claim: new AbortController() });
    let claimed: Awaited<ReturnType<typeof startAttempts>>;
    try {
      claimed = await startAttempts(this.#o.attemptDeps.relaxedSql, [...entries.keys()]);
    } catch (error) {
      // Nothing ran: the entries go back through pg-boss's retry (fail), like a crashed attempt.
      this.#o.log.warn('claim failed', { queue: this.#queue, error: String(error) });
      for (const jobId of entries.keys()) this.#held.delete(jobId);
      await this.#o.boss
        .fail(this.#queue, [...entries.values()], { message: 'claim failed' })
        .catch(() => {});
      return;
    }
    const claimedIds = new Set(claimed.map((j) => j.id));
    // Canceled or finished meanwhile: nothing to run, the entries complete.
    const unclaimed = [...entries].filter(([jobId]) => !claimedIds.has(jobId));
    if (unclaimed.length > 0) {
      for (const [jobId] of unclaimed) this.#held.delete(jobId);
      await this.#o.boss
        .complete(
          this.#queue,
          unclaimed.map(([, e]) => e),
        )
        .catch((error) => this.#o.log.warn('complete failed', { error: String(error) }));
    }
    for (const job of claimed) {
      const held = this.#held.get(job.id);
      if (!held) continue;
      const run = runAttempt(this.#o.attemptDeps, this.#o.type, job, held.entry, held.claim.signal)
        .catch((error) => this.#o.log.error('attempt crashed', { job_id: job.id, error: String(error) }))
        .finally(() => {
          this.#held.delete(job.id);
          this.#settled.delete(run);
          // A backlog, or a NOTIFY that came while every slot was taken: fetch now.
          if (this.#backlog || this.#woken) this.#wakeUp?.();
        });
      this.#settled.add(run);
    }
  }

  /** One heartbeat for every held entry; an entry it could not refresh lost its claim. */
  async #touch(): Promise<void> {
    const held = [...this.#held.entries()];
    if (held.length === 0) return;
    let refreshed: Set<string>;
    try {
      const result = await this.#o.boss.touch(
        this.#queue,
        held.map(([, h]) => h.entry),
      );
      const settled = (result as { settled?: unknown }).settled;
      if (!settled) return;
      refreshed = new Set(settledIdsOf(settled));
    } catch (error) {
      // A heartbeat that could not run says nothing about the claim.
      this.#o.log.warn('heartbeat failed', { queue: this.#queue, error: String(error) });
      return;
    }
    for (const [jobId, h] of held)
      if (!refreshed.has(h.entry.id) && this.#held.get(jobId) === h) h.claim.abort(new Error('claim lost'));
  }
}
