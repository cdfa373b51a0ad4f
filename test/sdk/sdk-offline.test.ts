import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createJobsClient, readEventStream, verifyCallback } from '../../sdk/index.ts';

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
}

const job = (status: string) => ({
  id: 'j1',
  type: 'demo.sleep',
  status,
  progress: null,
  attempt: 1,
  metadata: {},
  created_at: '2025-01-01T00:00:00Z',
  started_at: null,
  finished_at: null,
  run_at: null,
  priority: 0,
  error: null,
  callback: null,
  links: { self: '/v1/jobs/j1', events: '/v1/jobs/j1/events', cancel: '/v1/jobs/j1/cancel' },
});

describe('readEventStream', () => {
  it('splits frames on blank lines across chunks and line endings, skipping comments', async () => {
    const events = [];
    for await (const e of readEventStream(
      streamOf(
        'retry: 1000\n: heartbeat\n\nid: 1\nevent: sta',
        'tus\ndata: {"a":\r\ndata: 1}\r\n\r',
        '\nid: 2\ndata: x\n\n',
      ),
    )) {
      events.push(e);
    }
    expect(events).toEqual([
      { event: 'status', data: '{"a":\n1}', id: '1' },
      { event: 'message', data: 'x', id: '2' },
    ]);
  });
});

describe('waitForResult over Server-Sent Events', () => {
  it('follows status and progress events to the end, then fetches the result', async () => {
    const progress = { percent: 50, message: 'half', updated_at: '2025-01-01T00:00:01Z' };
    const requested: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      const url = String(input);
      requested.push(new URL(url).pathname);
      if (url.endsWith('/events')) {
        return new Response(
          streamOf(
            `id: 1\nevent: status\ndata: ${JSON.stringify(job('running'))}\n\n`,
            `id: 2\nevent: progress\ndata: ${JSON.stringify(progress)}\n\n`,
            `id: 3\nevent: status\ndata: ${JSON.stringify(job('succeeded'))}\n\n`,
          ),
          { headers: { 'content-type': 'text/event-stream' } },
        );
      }
      return Response.json({ done: true });
    };
    const client = createJobsClient({ baseUrl: 'http://jobs.test', apiKey: 'k', fetch: fakeFetch });
    const seen: unknown[] = [];
    const result = await client.waitForResult('j1', { onProgress: (p) => seen.push(p) });
    expect(result.value).toEqual({ done: true });
    expect(seen).toEqual([progress]);
    expect(requested).toEqual(['/v1/jobs/j1/events', '/v1/jobs/j1/result']);
  });
});

describe('verifyCallback', () => {
  const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
  const body = JSON.stringify({
    type: 'job.succeeded',
    timestamp: '2025-01-01T00:00:00Z',
    data: job('succeeded'),
  });
  const headersFor = (payload: string) => {
    const now = new Date();
    return {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign('msg_1', now, payload),
    };
  };

  it('returns the event of an authentic callback', () => {
    expect(verifyCallback(body, new Headers(headersFor(body)), secret)).toMatchObject({
      type: 'job.succeeded',
    });
  });

  it('accepts any of the secrets held during a rotation', () => {
    const other = `whsec_${Buffer.from('fedcba9876543210fedcba9876543210').toString('base64')}`;
    expect(verifyCallback(body, headersFor(body), [other, secret]).data.id).toBe('j1');
  });

  it('refuses a body that was changed after signing', () => {
    expect(() => verifyCallback(body.replace('succeeded', 'failed'), headersFor(body), secret)).toThrow();
  });
});
