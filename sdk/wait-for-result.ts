// Waiting for a job to finish: follow its Server-Sent Events when the service offers them, and
// otherwise (or when the stream ends early) poll the status monitor honouring Retry-After, with
// If-None-Match so an unchanged job costs a 304.
import type { Job, Progress } from './api-types.ts';
import { readEventStream } from './event-stream.ts';
import type { JobStatusAnswer } from './jobs-client.ts';

export interface WaitTransport {
  call(path: string, init?: RequestInit): Promise<Response>;
  readStatus(id: string, init?: { etag?: string; signal?: AbortSignal }): Promise<JobStatusAnswer>;
  jobPath(id: string): string;
}

type ProgressListener = ((progress: Progress, job: Job) => void) | undefined;

const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);
const DEFAULT_POLL_SECONDS = 1;

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The terminal job from the event stream, or undefined when streaming is not available or ended early. */
async function followEvents(
  t: WaitTransport,
  id: string,
  signal: AbortSignal,
  onProgress: ProgressListener,
): Promise<Job | undefined> {
  const response = await t.call(`${t.jobPath(id)}/events`, {
    headers: { accept: 'text/event-stream' },
    signal,
  });
  if (response.status !== 200 || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
    // 204 (already finished), 404 (also: a service without streaming) and the rest: the status
    // monitor gives the authoritative answer, or the problem.
    await response.body?.cancel();
    return undefined;
  }
  if (!response.body) return undefined;
  let job: Job | undefined;
  for await (const message of readEventStream(response.body)) {
    if (message.event === 'status') {
      job = JSON.parse(message.data) as Job;
      if (TERMINAL.has(job.status)) return job;
    } else if (message.event === 'progress' && job) {
      onProgress?.(JSON.parse(message.data) as Progress, job);
    }
  }
  return undefined;
}

async function pollUntilFinished(
  t: WaitTransport,
  id: string,
  signal: AbortSignal,
  onProgress: ProgressListener,
): Promise<Job> {
  let etag: string | undefined;
  let last: Job | undefined;
  for (;;) {
    signal.throwIfAborted();
    const answer = await t.readStatus(id, { etag, signal });
    if (answer.job) {
      const progress = answer.job.progress;
      if (progress && onProgress && JSON.stringify(progress) !== JSON.stringify(last?.progress)) {
        onProgress(progress, answer.job);
      }
      last = answer.job;
      etag = answer.etag;
      if (TERMINAL.has(answer.job.status)) return answer.job;
    }
    // RFC 9110 §10.2.3: wait as long as the server asks (a 304 repeats its Retry-After).
    await abortableSleep((answer.retryAfterSeconds ?? DEFAULT_POLL_SECONDS) * 1000, signal);
  }
}

export async function waitForJob(
  t: WaitTransport,
  id: string,
  signal: AbortSignal,
  onProgress: ProgressListener,
): Promise<Job> {
  const streamed = await followEvents(t, id, signal, onProgress);
  return streamed ?? pollUntilFinished(t, id, signal, onProgress);
}
