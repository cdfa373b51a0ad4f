// Server-sent events framing choices (WHATWG HTML §9.2 "Server-sent events") shared by the SSE
// routes: the reconnection delay, the heartbeat, and reading Last-Event-ID.
import type { SSEStreamingApi } from 'hono/streaming';

/** `retry:` sent once per stream: how long EventSource waits before reconnecting, in ms. */
export const SSE_RETRY_MS = 2000;
/** A comment line at least this often keeps proxies and load balancers from idling the stream out. */
export const SSE_HEARTBEAT_MS = 15_000;

/**
 * The event id a reconnecting client last saw: EventSource sends it as Last-Event-ID
 * (WHATWG HTML §9.2.4). Ours are non-negative integers; anything else counts as absent.
 */
export function parseLastEventId(header: string | undefined): number | undefined {
  if (header === undefined || !/^\s*\d{1,15}\s*$/.test(header)) return undefined;
  return Number(header);
}

/** A comment line (starts with ':'): ignored by EventSource, but it keeps the connection busy. */
export function writeSseComment(stream: SSEStreamingApi, text: string): Promise<unknown> {
  return stream.write(`: ${text}\n\n`);
}
