// What one client can make the service hold is bounded: WebSockets per owner and unauthenticated
// sockets are capped, a flood of messages is slowed down (not buffered without limit), and
// revoking a key closes its sockets (4401) and ends its event streams within 10 s.
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql } from '../../src/db/client.ts';
import { createApiKey, revokeApiKey } from '../../src/identity/api-key-store.ts';
import { startTestService, type TestOwner, type TestService, waitFor } from '../support/test-service.ts';
import { openWs } from '../support/ws-client.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({
    WS_MAX_CONNECTIONS_PER_OWNER: '3',
    WS_MAX_UNAUTHENTICATED: '2',
    WS_MAX_PENDING_BYTES: '65536',
  });
});
afterAll(async () => {
  await svc?.stop();
});

async function keyIdOf(owner: TestOwner): Promise<string> {
  const [row] = await svc.sql<{ id: string }[]>`select id from api_keys where owner_id = ${owner.ownerId}`;
  return row?.id as string;
}

async function submitLong(owner: TestOwner): Promise<string> {
  const res = await owner.fetch('/v1/jobs', {
    method: 'POST',
    json: { type: 'demo.sleep', input: { duration_ms: 60_000, steps: 600 } },
  });
  expect(res.status).toBe(202);
  return (await res.json()).id;
}

describe('WebSocket and SSE bounds', () => {
  it('caps WebSockets per owner: 429 on the upgrade, close 1008 after an auth message', async () => {
    const owner = await svc.newOwner();
    const open = await Promise.all([1, 2, 3].map(() => openWs(svc.url, { key: owner.key })));
    await expect(openWs(svc.url, { key: owner.key })).rejects.toMatchObject({ status: 429 });
    const late = await openWs(svc.url);
    late.send({ type: 'auth', token: owner.key });
    expect((await late.closed).code).toBe(1008);
    // Another owner is not affected, and a closed socket frees its slot.
    const other = await svc.newOwner();
    const theirs = await openWs(svc.url, { key: other.key });
    open[0]?.ws.close();
    await open[0]?.closed;
    const again = await waitFor(
      () => openWs(svc.url, { key: owner.key }).catch(() => undefined),
      10_000,
      100,
    );
    for (const c of [...open, theirs, again]) c.ws.close();
  });

  it('caps sockets that have not authenticated yet with 503 and Retry-After', async () => {
    const waiting = await Promise.all([1, 2].map(() => openWs(svc.url)));
    await expect(openWs(svc.url)).rejects.toMatchObject({ status: 503 });
    waiting[0]?.ws.close();
    await waiting[0]?.closed;
    const next = await waitFor(() => openWs(svc.url).catch(() => undefined), 10_000, 100);
    for (const c of [...waiting, next]) c.ws.close();
  });

  it('slows a flooding client down instead of buffering its messages, and answers every one in order', async () => {
    const owner = await svc.newOwner();
    const client = await openWs(svc.url, { key: owner.key });
    const filler = 'x'.repeat(60_000);
    const count = 60;
    // 60 × 60 KB subscribe messages for jobs that do not exist, far past the 64 KiB pending bound.
    // Well-formed ids, so each one waits for a database lookup while the next ones arrive.
    const ids = Array.from({ length: count }, () => randomUUID());
    for (const id of ids) client.send({ type: 'subscribe', job_id: id, pad: filler });
    for (const id of ids) {
      const message = await client.next((m) => m.type === 'error', 30_000);
      expect(message.job_id).toBe(id);
    }
    client.ws.close();
    // The socket was paused (TCP backpressure) rather than its messages buffered without bound.
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    const pauses = Number(/^websocket_backpressure_pauses_total (\d+)/m.exec(metrics)?.[1] ?? 0);
    expect(pauses).toBeGreaterThan(0);
  }, 60_000);

  it('disconnects an SSE client that stops reading instead of queueing events for it without bound', async () => {
    const owner = await svc.newOwner();
    const res = await owner.fetch('/v1/jobs', {
      method: 'POST',
      json: { type: 'test.chatty', input: { events: 1000, bytes: 256 * 1024 } },
    });
    expect(res.status).toBe(202);
    const { id } = await res.json();
    const { port } = new URL(svc.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => {});
    socket.write(
      `GET /v1/jobs/${id}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${owner.key}\r\n\r\n`,
    );
    // Never read a byte: the kernel's buffers fill, then the service's queue, then it cuts off.
    socket.pause();
    await waitFor(async () => svc.service.deps.streams.countOf(owner.ownerId) === 1, 10_000);
    await waitFor(async () => svc.service.deps.streams.countOf(owner.ownerId) === 0, 40_000, 100);
    // Cut off while the job still had events to send, not ended by its terminal event.
    expect((await (await owner.fetch(`/v1/jobs/${id}`)).json()).status).toBe('running');
    socket.destroy();
    await owner.fetch(`/v1/jobs/${id}/cancel`, { method: 'POST' });
  }, 60_000);

  it('closes the sockets (4401) and ends the event streams of a revoked key within 10 s', async () => {
    const owner = await svc.newOwner();
    const jobId = await submitLong(owner);
    const byHeader = await openWs(svc.url, { key: owner.key });
    const byMessage = await openWs(svc.url);
    byMessage.send({ type: 'auth', token: owner.key });
    byMessage.send({ type: 'subscribe', job_id: jobId });
    await byMessage.next((m) => m.type === 'status');
    const stream = await owner.fetch(`/v1/jobs/${jobId}/events`);
    expect(stream.status).toBe(200);
    const body = stream.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    await body.read();

    // Revoked by another process's connection (as the admin route or CLI would).
    const sql = createSql(svc.databaseUrl, { max: 1 });
    const started = Date.now();
    try {
      expect(await revokeApiKey(sql, await keyIdOf(owner))).toBe(true);
    } finally {
      await sql.end();
    }
    const [a, b] = await Promise.all([byHeader.closed, byMessage.closed]);
    expect([a.code, b.code]).toEqual([4401, 4401]);
    for (;;) {
      const { done } = await body.read();
      if (done) break;
    }
    expect(Date.now() - started).toBeLessThan(10_000);
    // The job itself carries on; cancel it with the owner's other key.
    const { key } = await createApiKey(svc.sql, owner.ownerId);
    const cancel = await fetch(`${svc.url}/v1/jobs/${jobId}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(cancel.status).toBe(202);
  }, 30_000);
});
