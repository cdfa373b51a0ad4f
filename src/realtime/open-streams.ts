// The process's open event streams: a per-owner cap (SSE_MAX_STREAMS_PER_OWNER) so one tenant
// cannot hold every socket, and the close hook the service's stop() uses so server.close() is
// not held open by streams that would never end on their own.
export class OpenStreams {
  readonly #maxPerOwner: number;
  readonly #perOwner = new Map<string, number>();
  readonly #closers = new Set<() => void>();

  constructor(maxPerOwner: number) {
    this.#maxPerOwner = maxPerOwner;
  }

  get size(): number {
    return this.#closers.size;
  }

  countOf(ownerId: string): number {
    return this.#perOwner.get(ownerId) ?? 0;
  }

  /** Takes one of the owner's slots; undefined when the owner is at the cap. Returns the release. */
  open(ownerId: string, close: () => void): (() => void) | undefined {
    const count = this.countOf(ownerId);
    if (count >= this.#maxPerOwner) return undefined;
    this.#perOwner.set(ownerId, count + 1);
    this.#closers.add(close);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#closers.delete(close);
      const left = this.countOf(ownerId) - 1;
      if (left > 0) this.#perOwner.set(ownerId, left);
      else this.#perOwner.delete(ownerId);
    };
  }

  /** Ends every open stream (service shutdown). */
  closeAll(): void {
    for (const close of [...this.#closers]) close();
  }
}
