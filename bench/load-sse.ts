// An SSE client process (the eventsource package, as a browser-like client would use): measures
// progress→client latency against the progress object's updated_at (the same machine's clock),
// or holds many streams open so the parent can weigh their memory.
import { EventSource } from 'eventsource';
import { Agent, fetch as undiciFetch } from 'undici';
import { receiveArgs, sendResult, sendToParent } from './support/child-ipc.ts';

export type SseArgs = { url: string; key: string; jobIds: string[]; timeoutMs: number } & {
  mode: 'latency' | 'streams';
};

export interface SseResult {
  latenciesMs: number[];
  opened: number;
  errors: number;
}

const args = await receiveArgs<SseArgs>();
const dispatcher = new Agent({ connections: null, keepAliveTimeout: 30_000 });
const authedFetch = ((input: string | URL, init?: Record<string, unknown>) =>
  undiciFetch(input, {
    ...init,
    dispatcher,
    headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${args.key}` },
  })) as never;

const latenciesMs: number[] = [];
const sources: EventSource[] = [];
let opened = 0;
let finished = 0;
let errors = 0;

const done = new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, args.timeoutMs);
  const check = () => {
    if (args.mode === 'latency' && finished >= args.jobIds.length) {
      clearTimeout(timer);
      resolve();
    }
  };
  for (const id of args.jobIds) {
    const source = new EventSource(`${args.url}/v1/jobs/${id}/events`, { fetch: authedFetch });
    sources.push(source);
    let first = true;
    source.addEventListener('status', (event) => {
      if (first) {
        first = false;
        opened++;
        if (args.mode === 'streams' && opened === args.jobIds.length)
          sendToParent({ type: 'opened', opened });
      }
      const job = JSON.parse(event.data) as { status: string };
      if (['succeeded', 'failed', 'canceled'].includes(job.status)) {
        source.close();
        finished++;
        check();
      }
    });
    source.addEventListener('progress', (event) => {
      const progress = JSON.parse(event.data) as { updated_at: string };
      latenciesMs.push(Date.now() - Date.parse(progress.updated_at));
    });
    source.addEventListener('error', () => {
      errors++;
    });
  }
  if (args.mode === 'streams') {
    process.on('message', (message: { type?: string }) => {
      if (message.type === 'close') {
        clearTimeout(timer);
        resolve();
      }
    });
  }
});
await done;
for (const source of sources) source.close();
sendResult({ latenciesMs, opened, errors } satisfies SseResult);
