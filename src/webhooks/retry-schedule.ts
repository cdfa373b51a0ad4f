// What an attempt's result means and when the next one runs (pure). The contract's rules: 2xx is
// delivery; 3xx (never followed), 408, 425, 429, 5xx, network errors and timeouts are retried;
// other 4xx are final. The n-th CALLBACK_RETRY_SCHEDULE entry is the wait after the n-th failed
// attempt; a Retry-After on 429/503 (RFC 9110 §10.2.3) wins when it asks for longer.

export type AttemptVerdict =
  | { kind: 'delivered' }
  | { kind: 'retry'; delaySeconds: number }
  | { kind: 'failed'; reason: 'final-status' | 'attempts-exhausted' };

export interface AttemptResult {
  statusCode: number | null;
  /** Seconds asked for by a Retry-After header, when the answer carried one. */
  retryAfterSeconds?: number | undefined;
}

const RETRIED_4XX = new Set([408, 425, 429]);
/** A receiver cannot park an event for longer than a day with one Retry-After. */
const MAX_RETRY_AFTER_SECONDS = 86_400;

export function isRetriable(statusCode: number | null): boolean {
  if (statusCode === null) return true;
  if (statusCode >= 300 && statusCode < 400) return true;
  if (RETRIED_4XX.has(statusCode)) return true;
  return statusCode >= 500;
}

/** `attempt` is 1-based: the number of the automatic attempt that just ended. */
export function judgeAttempt(
  result: AttemptResult,
  attempt: number,
  schedule: readonly number[],
): AttemptVerdict {
  const code = result.statusCode;
  if (code !== null && code >= 200 && code < 300) return { kind: 'delivered' };
  if (!isRetriable(code)) return { kind: 'failed', reason: 'final-status' };
  const planned = schedule[attempt - 1];
  if (planned === undefined) return { kind: 'failed', reason: 'attempts-exhausted' };
  const honoured =
    code === 429 || code === 503 ? Math.min(result.retryAfterSeconds ?? 0, MAX_RETRY_AFTER_SECONDS) : 0;
  return { kind: 'retry', delaySeconds: Math.max(planned, honoured) };
}

/** Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined when unusable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}
