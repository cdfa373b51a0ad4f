// A client process that submits jobs over HTTP and records when each request was sent (client
// clock): as fast as `connections` allow (flood), at a fixed offered rate (rate), or one at a time
// on an idle queue to time the pickup of bench.stamp jobs (pickup).
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { receiveArgs, sendResult } from './support/child-ipc.ts';

export type SubmitMode =
  | { mode: 'flood'; durationSeconds: number; connections: number; total?: number }
  | { mode: 'rate'; ratePerSecond: number; durationSeconds: number; maxInFlight: number }
  | { mode: 'pickup'; samples: number; maxGapMs: number };

export type SubmitArgs = { url: string; key: string; body: unknown } & SubmitMode;

export interface SubmitResult {
  /** [job id, client send time in ms] per accepted job. */
  sent: Array<[string, number]>;
  rejected: number;
  /** rate only: sends skipped because maxInFlight requests were already waiting (the service fell behind). */
  dropped: number;
  /** pickup only: handler start minus client send, ms. */
  pickupMs: number[];
}

const args = await receiveArgs<SubmitArgs>();
const dispatcher = new Agent({ connections: 256, keepAliveTimeout: 30_000 });
const headers = { authorization: `Bearer ${args.key}`, 'content-type': 'application/json' };
const payload = JSON.stringify(args.body);
const sent: Array<[string, number]> = [];
const pickupMs: number[] = [];
let rejected = 0;
let dropped = 0;
let inFlight = 0;

async function submit(extra: Record<string, string> = {}): Promise<string | undefined> {
  const at = Date.now();
  try {
    const res = await request(`${args.url}/v1/jobs`, {
      method: 'POST',
      headers: { ...headers, ...extra },
      body: payload,
      dispatcher,
      // Bounds the bench when the service falls far behind; a timed-out submit counts as rejected.
      signal: AbortSignal.timeout(15_000),
    });
    const job = (await res.body.json()) as { id?: string };
    if ((res.statusCode === 202 || res.statusCode === 303) && job.id) {
      sent.push([job.id, at]);
      return job.id;
    }
  } catch {}
  rejected++;
  return undefined;
}

if (args.mode === 'flood') {
  // Time-bounded rather than count-bounded, so a slow machine still finishes on time.
  const end = Date.now() + args.durationSeconds * 1000;
  let left = args.total ?? Number.POSITIVE_INFINITY;
  await Promise.all(
    Array.from({ length: args.connections }, async () => {
      while (left-- > 0 && Date.now() < end) await submit();
    }),
  );
} else if (args.mode === 'rate') {
  // Open loop: requests go out on schedule whether or not earlier ones have answered.
  const started = Date.now();
  const end = started + args.durationSeconds * 1000;
  const pending: Promise<unknown>[] = [];
  let count = 0;
  while (Date.now() < end) {
    const due = Math.floor(((Date.now() - started) / 1000) * args.ratePerSecond);
    while (count < due) {
      count++;
      if (inFlight >= args.maxInFlight) {
        dropped++;
        continue;
      }
      inFlight++;
      pending.push(submit().finally(() => inFlight--));
    }
    await sleep(2);
  }
  await Promise.all(pending);
} else {
  for (let i = 0; i < args.samples; i++) {
    await sleep(20 + Math.random() * args.maxGapMs);
    const at = Date.now();
    // Prefer: wait holds the answer until the job has finished, so the result is there to read.
    const id = await submit({ prefer: 'wait=10' });
    if (!id) continue;
    const res = await request(`${args.url}/v1/jobs/${id}/result`, { headers, dispatcher });
    const output = (await res.body.json()) as { started_ms?: number };
    if (res.statusCode === 200 && typeof output.started_ms === 'number')
      pickupMs.push(output.started_ms - at);
  }
}
await dispatcher.close();
sendResult({ sent, rejected, dropped, pickupMs } satisfies SubmitResult);
