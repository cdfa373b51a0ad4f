// One LISTEN connection per process. Writers NOTIFY "job_id seq" (ids only, never user data);
// the feed reads each new event row once and fans it out in memory to every stream, long-poll
// and worker interested in that job: a subscriber costs memory, not queries.
import type { Sql } from '../db/client.ts';
import { type JobEventRow, readEventsAfter } from './job-store.ts';

const MAX_RETRY_DELAY_MS = 5000;

export type JobEventListener = (event: JobEventRow) => void;

interface Subscription {
  lastSeq: number;
  listener: JobEventListener;
}

export class JobFeed {
  readonly #sql: Sql;
  readonly #byJob = new Map<string, Set<Subscription>>();
  readonly #fetching = new Map<string, Promise<void>>();
  readonly #refetch = new Set<string>();
  readonly #cancelListeners = new Set<(jobId: string) => void>();
  /** Backoff of each job whose last read failed; the read is tried again until it succeeds. */
  readonly #retryDelayMs = new Map<string, number>();
  readonly #retryTimers = new Set<NodeJS.Timeout>();
  #unlisten: Array<() => Promise<void>> = [];
  #onError: (error: unknown) => void;

  constructor(sql: Sql, onError: (error: unknown) => void = () => {}) {
    this.#sql = sql;
    this.#onError = onError;
  }

  async start(): Promise<void> {
    const events = await this.#sql.listen(
      'job_events',
      (payload) => this.#onNotify(payload),
      // Called on every (re)connect: catch up on whatever was missed while disconnected.
      () => {
        for (const jobId of this.#byJob.keys()) this.#fetch(jobId);
      },
    );
    const cancels = await this.#sql.listen('job_cancel', (jobId) => {
      for (const listener of this.#cancelListeners) listener(jobId);
    });
    this.#unlisten = [events.unlisten, cancels.unlisten];
  }

  async stop(): Promise<void> {
    for (const timer of this.#retryTimers) clearTimeout(timer);
    this.#retryTimers.clear();
    await Promise.allSettled(this.#unlisten.map((u) => u()));
    this.#unlisten = [];
  }

  get subscriberCount(): number {
    let n = 0;
    for (const set of this.#byJob.values()) n += set.size;
    return n;
  }

  /**
   * Delivers every event of `jobId` with seq > afterSeq, in order, from the table and then live,
   * each exactly once. Returns the unsubscribe function.
   */
  subscribe(jobId: string, afterSeq: number, listener: JobEventListener): () => void {
    const sub: Subscription = { lastSeq: afterSeq, listener };
    let set = this.#byJob.get(jobId);
    if (!set) {
      set = new Set();
      this.#byJob.set(jobId, set);
    }
    set.add(sub);
    this.#fetch(jobId);
    return () => {
      const current = this.#byJob.get(jobId);
      current?.delete(sub);
      if (current?.size === 0) this.#byJob.delete(jobId);
    };
  }

  /** Resolves at the first event after `afterSeq`, or after timeoutMs / on abort. True if an event came. */
  waitForEvent(jobId: string, afterSeq: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    // An already-aborted signal never fires 'abort' again: answer at once.
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      let unsubscribe = () => {};
      const finish = (changed: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        unsubscribe();
        resolve(changed);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), Math.max(0, timeoutMs));
      signal?.addEventListener('abort', onAbort, { once: true });
      unsubscribe = this.subscribe(jobId, afterSeq, () => finish(true));
    });
  }

  onCancelRequested(listener: (jobId: string) => void): () => void {
    this.#cancelListeners.add(listener);
    return () => this.#cancelListeners.delete(listener);
  }

  #onNotify(payload: string): void {
    const jobId = payload.slice(0, payload.lastIndexOf(' '));
    if (this.#byJob.has(jobId)) this.#fetch(jobId);
  }

  /** One read per job at a time; a notify that lands mid-read schedules one more read. */
  #fetch(jobId: string): void {
    if (this.#fetching.has(jobId)) {
      this.#refetch.add(jobId);
      return;
    }
    const run = this.#readAndDispatch(jobId)
      .then(
        () => {
          this.#retryDelayMs.delete(jobId);
        },
        (error) => {
          this.#onError(error);
          this.#retryLater(jobId);
        },
      )
      .finally(() => {
        this.#fetching.delete(jobId);
        if (this.#refetch.delete(jobId) && this.#byJob.has(jobId)) this.#fetch(jobId);
      });
    this.#fetching.set(jobId, run);
  }

  /**
   * A failed read (the database restarting, say) would leave the job's streams on heartbeats
   * only, since its NOTIFY is spent: read again after a backoff, 250 ms doubling up to 5 s.
   */
  #retryLater(jobId: string): void {
    const delay = Math.min((this.#retryDelayMs.get(jobId) ?? 125) * 2, MAX_RETRY_DELAY_MS);
    this.#retryDelayMs.set(jobId, delay);
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      if (this.#byJob.has(jobId)) this.#fetch(jobId);
      else this.#retryDelayMs.delete(jobId);
    }, delay);
    timer.unref();
    this.#retryTimers.add(timer);
  }

  async #readAndDispatch(jobId: string): Promise<void> {
    const subs = this.#byJob.get(jobId);
    if (!subs || subs.size === 0) return;
    let from = Number.POSITIVE_INFINITY;
    for (const s of subs) from = Math.min(from, s.lastSeq);
    // Only those present when the read started: a newcomer with an older lastSeq would otherwise
    // jump past events this read did not cover. Its own subscribe() schedules the read it needs.
    const targets = [...subs];
    const events = await readEventsAfter(this.#sql, jobId, from);
    for (const event of events) {
      for (const sub of targets) {
        if (!this.#byJob.get(jobId)?.has(sub)) continue; // unsubscribed meanwhile
        if (event.seq > sub.lastSeq) {
          sub.lastSeq = event.seq;
          sub.listener(event);
        }
      }
    }
  }
}
