// Group commit: the one mechanism for "many callers, one transaction" (submits, terminal statuses,
// claims, progress, callback attempt records). Items that arrive while a batch is being written
// are written together in the next one, and each caller resumes only after that write. No
// artificial delay: a lone item is written at once; batching happens only under load.
//
// A failed batch is handed to `recover`, which settles its items one by one, so a failing row
// never fails its neighbours. A batch can fail AFTER its COMMIT reached the server (the
// acknowledgement was lost): `recover` must then treat rows that already exist as written, which
// is why it gets the whole batch rather than one item at a time.

export interface GroupCommitOptions<I, R> {
  /** Writes a batch (one transaction or statement); one result per item, in order. */
  writeBatch(items: I[]): Promise<R[]>;
  /**
   * Settles a batch whose write failed, per item (default: writeBatch of each item alone, in
   * arrival order, so which of two clashing items wins stays deterministic).
   */
  recover?(
    items: I[],
    error: unknown,
  ): Promise<Array<{ ok: true; value: R } | { ok: false; error: unknown }>>;
  maxBatch: number;
  /**
   * After a batch of at least `below` items, wait `ms` when fewer than `below` are queued: the
   * previous batch's callers are only now sending their next items, and a moment's wait makes the
   * next batch big too instead of alternating big and tiny.
   */
  linger?: { below: number; ms: number };
  /**
   * Batches written at once (default 1). A second batch starts while one is in flight only once
   * `linger.below` items (or 8) are waiting, so it is worth its transaction; it overlaps its round
   * trips and WAL flush with the first's.
   */
  maxInFlight?: number;
  /** Test seam: runs after a batch was written; throwing simulates a lost commit acknowledgement. */
  afterWrite?: (items: I[]) => void;
}

interface Pending<I, R> {
  item: I;
  resolve(value: R): void;
  reject(error: unknown): void;
}

export class GroupCommit<I, R> {
  readonly #options: GroupCommitOptions<I, R>;
  #queue: Array<Pending<I, R>> = [];
  #writers = 0;
  #idle: Array<() => void> = [];

  constructor(options: GroupCommitOptions<I, R>) {
    this.#options = options;
  }

  /** Resolves after the batch holding `item` was written, with its result. */
  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      const { maxInFlight = 1, linger } = this.#options;
      const worthAnother = this.#queue.length >= (linger?.below ?? 8);
      if (this.#writers === 0 || (this.#writers < maxInFlight && worthAnother)) {
        this.#writers++;
        // Let items produced in this same turn of the event loop join the batch.
        setImmediate(() => void this.#drain());
      }
    });
  }

  get pending(): number {
    return this.#queue.length;
  }

  /** Resolves once nothing is queued or being written. */
  drained(): Promise<void> {
    if (this.#writers === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async #drain(): Promise<void> {
    const { maxBatch, linger } = this.#options;
    let previousSize = 0;
    while (this.#queue.length > 0) {
      if (linger && previousSize >= linger.below && this.#queue.length < linger.below) {
        await new Promise((r) => setTimeout(r, linger.ms));
      }
      const batch = this.#queue.splice(0, maxBatch);
      previousSize = batch.length;
      const items = batch.map((p) => p.item);
      let results: R[];
      try {
        results = await this.#options.writeBatch(items);
        this.#options.afterWrite?.(items);
      } catch (error) {
        await this.#recover(batch, error);
        continue;
      }
      for (const [i, p] of batch.entries()) p.resolve(results[i] as R);
    }
    this.#writers--;
    if (this.#writers === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  async #recover(batch: Array<Pending<I, R>>, error: unknown): Promise<void> {
    const items = batch.map((p) => p.item);
    try {
      const settled = this.#options.recover
        ? await this.#options.recover(items, error)
        : await this.#writeEach(items);
      for (const [i, p] of batch.entries()) {
        const s = settled[i];
        if (s?.ok) p.resolve(s.value);
        else p.reject(s ? s.error : error);
      }
    } catch (recoverError) {
      for (const p of batch) p.reject(recoverError);
    }
  }

  async #writeEach(items: I[]) {
    const settled: Array<{ ok: true; value: R } | { ok: false; error: unknown }> = [];
    for (const item of items) {
      try {
        const [value] = await this.#options.writeBatch([item]);
        settled.push({ ok: true, value: value as R });
      } catch (error) {
        settled.push({ ok: false, error });
      }
    }
    return settled;
  }
}
