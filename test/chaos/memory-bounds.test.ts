// Chaos 7 — memory bounds: WebSocket clients flooding 1 MiB frames as fast as their sockets take
// them, and SSE clients that never read, for 15 s. The service slows the senders down (paused
// sockets: TCP backpressure) and cuts off the non-readers, so its RSS stays under the bound stated
// here, and another client is served as usual meanwhile.
import { connect } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { killChildren, removeTempDirs } from '../support/child-service.ts';
import { readSseFrames } from '../support/sse-client.ts';
import {
  authHeaders,
  percentile,
  report,
  rssOf,
  sampleRss,
  startChaosService,
  submit,
} from './support/chaos.ts';

afterEach(killChildren);
afterAll(removeTempDirs);

/** The stated bound: the service process stays under this resident size throughout. */
const RSS_BOUND_BYTES = 512 * 1024 * 1024;
const ATTACK_MS = 15_000;
const FLOODERS = 8;
const NON_READERS = 100;

describe('memory under hostile streaming clients', () => {
  it(`keeps the service under ${RSS_BOUND_BYTES / 2 ** 20} MiB RSS with WebSocket floods and SSE non-readers, and serves others`, async () => {
    const service = await startChaosService({ LOG_LEVEL: 'warn', SSE_MAX_STREAMS_PER_OWNER: '1000' });
    const pid = service.proc.pid as number;
    // A chatty job: 1,000 progress events over 30 s, followed by every non-reader.
    const chatty = await submit(() => service.url, service.key, {
      type: 'demo.sleep',
      input: { duration_ms: 30_000, steps: 1000, output: 'x'.repeat(2000) },
    });
    const watched = await submit(() => service.url, service.key, {
      type: 'demo.sleep',
      input: { duration_ms: 20_000, steps: 40 },
    });
    await new Promise((r) => setTimeout(r, 1000));
    const baseline = rssOf(pid);
    const rss = sampleRss(pid);
    const deadline = Date.now() + ATTACK_MS;

    // WebSocket floods: 1 MiB frames whenever the client's own buffer has room.
    const frame = JSON.stringify({
      type: 'subscribe',
      job_id: 'missing',
      pad: 'y'.repeat(1024 * 1024 - 100),
    });
    let framesSent = 0;
    const flooders = Array.from({ length: FLOODERS }, async () => {
      const ws = new WebSocket(`${service.url.replace('http', 'ws')}/v1/ws`, {
        headers: authHeaders(service.key),
      });
      ws.on('error', () => {});
      await new Promise((r) => ws.once('open', r));
      while (Date.now() < deadline && ws.readyState === WebSocket.OPEN) {
        if (ws.bufferedAmount < 2 * 1024 * 1024) {
          ws.send(frame);
          framesSent++;
        } else await new Promise((r) => setTimeout(r, 5));
      }
      ws.terminate();
    });

    // SSE non-readers: they send the request and never read a byte.
    const nonReaders = Array.from({ length: NON_READERS }, () => {
      const { port } = new URL(service.url);
      const socket = connect(Number(port), '127.0.0.1');
      socket.on('error', () => {});
      socket.write(
        `GET /v1/jobs/${chatty.id}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${service.key}\r\n\r\n`,
      );
      socket.pause();
      return socket;
    });

    // Meanwhile, another client: API calls, and an SSE stream it reads.
    const latencies: number[] = [];
    const failures: string[] = [];
    const bystander = (async () => {
      while (Date.now() < deadline) {
        const started = performance.now();
        try {
          const res = await fetch(`${service.url}/v1/jobs?limit=5`, { headers: authHeaders(service.key) });
          await res.text();
          if (res.status !== 200) failures.push(String(res.status));
        } catch (error) {
          failures.push(String(error));
        }
        latencies.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    let eventsRead = 0;
    const reader = (async () => {
      const stream = await fetch(`${service.url}/v1/jobs/${watched.id}/events`, {
        headers: authHeaders(service.key),
      });
      for await (const frame of readSseFrames(stream)) {
        if (frame.event === 'progress') eventsRead++;
        if (Date.now() > deadline) break;
      }
    })();

    await Promise.all([...flooders, bystander, reader]);
    for (const socket of nonReaders) socket.destroy();
    rss.stop();
    const peak = rss.peak;
    report('memory-bounds', {
      websocket_flooders: FLOODERS,
      frames_1mib_sent: framesSent,
      sse_non_readers: NON_READERS,
      baseline_rss_mib: (baseline / 2 ** 20).toFixed(0),
      peak_rss_mib: (peak / 2 ** 20).toFixed(0),
      bound_mib: RSS_BOUND_BYTES / 2 ** 20,
      bystander_requests: latencies.length,
      bystander_failures: failures.length,
      bystander_p99_ms: Math.round(percentile(latencies, 99)),
      events_read_by_reader: eventsRead,
    });
    expect(peak).toBeLessThan(RSS_BOUND_BYTES);
    expect(failures).toEqual([]);
    expect(eventsRead).toBeGreaterThan(5);
    await fetch(`${service.url}/v1/jobs/${chatty.id}/cancel`, {
      method: 'POST',
      headers: authHeaders(service.key),
    }).then((r) => r.text());
    expect(await service.terminate()).toBe(0);
  }, 180_000);
});
