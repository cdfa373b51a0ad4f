// Coalesces a handler's progress reports: at most one write in flight per attempt and at most
// one every PROGRESS_INTERVAL_MS, always ending with the latest value, so a handler that reports
// 10,000 times makes a handful of writes. percent is clamped and never goes backwards. A write
// goes out from the next turn of the event loop at the earliest, so a report the handler makes
// just before returning is still pending when the attempt ends, and take() hands it to the
// terminal write instead (one row version and one statement fewer per job).
import type { ProgressValue } from '../jobs/job-store.ts';

export const PROGRESS_INTERVAL_MS = 50;

export interface ProgressReporter {
  report(percent: number, message?: string, data?: unknown): void;
  /** Writes whatever is pending and waits for it. */
  flush(): Promise<void>;
  /** Waits for the write in flight, then returns the value not yet written (and forgets it). */
  take(): Promise<ProgressValue | undefined>;
}

export function createProgressReporter(
  write: (value: ProgressValue) => Promise<unknown>,
  onError: (error: unknown) => void,
  intervalMs = PROGRESS_INTERVAL_MS,
): ProgressReporter {
  let highest = 0;
  let pending: ProgressValue | undefined;
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let lastWriteAt = 0;

  const writeNow = (): Promise<void> => {
    if (!pending) return inFlight ?? Promise.resolve();
    const value = pending;
    pending = undefined;
    lastWriteAt = Date.now();
    inFlight = write(value)
      .then(() => undefined, onError)
      .finally(() => {
        inFlight = undefined;
        if (pending) schedule();
      });
    return inFlight;
  };

  const schedule = () => {
    if (timer || immediate || inFlight) return;
    const wait = Math.max(0, lastWriteAt + intervalMs - Date.now());
    if (wait === 0)
      immediate = setImmediate(() => {
        immediate = undefined;
        void writeNow();
      });
    else
      timer = setTimeout(() => {
        timer = undefined;
        void writeNow();
      }, wait);
  };
  const cancelScheduled = () => {
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
  };

  return {
    report(percent, message, data) {
      const clamped = Math.min(100, Math.max(0, Number.isFinite(percent) ? percent : 0));
      highest = Math.max(highest, clamped);
      pending = { percent: highest, message: message ?? null, data };
      schedule();
    },
    async flush() {
      cancelScheduled();
      while (inFlight || pending) {
        if (inFlight) await inFlight;
        else await writeNow();
      }
    },
    async take() {
      cancelScheduled();
      while (inFlight) await inFlight;
      // A write that finished just now may have scheduled the next one for what is pending.
      cancelScheduled();
      const value = pending;
      pending = undefined;
      return value;
    },
  };
}
