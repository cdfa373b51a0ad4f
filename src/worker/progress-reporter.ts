// Coalesces a handler's progress reports: at most one write in flight per attempt and at most
// one every PROGRESS_INTERVAL_MS, always ending with the latest value, so a handler that reports
// 10,000 times makes a handful of writes. percent is clamped and never goes backwards.
import type { ProgressValue } from '../jobs/job-store.ts';

export const PROGRESS_INTERVAL_MS = 50;

export interface ProgressReporter {
  report(percent: number, message?: string, data?: unknown): void;
  /** Writes whatever is pending and waits for it. */
  flush(): Promise<void>;
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
    if (timer || inFlight) return;
    const wait = Math.max(0, lastWriteAt + intervalMs - Date.now());
    if (wait === 0) void writeNow();
    else
      timer = setTimeout(() => {
        timer = undefined;
        void writeNow();
      }, wait);
  };

  return {
    report(percent, message, data) {
      const clamped = Math.min(100, Math.max(0, Number.isFinite(percent) ? percent : 0));
      highest = Math.max(highest, clamped);
      pending = { percent: highest, message: message ?? null, data };
      schedule();
    },
    async flush() {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      while (inFlight || pending) {
        if (inFlight) await inFlight;
        else await writeNow();
      }
    },
  };
}
