import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { startTestService, type TestOwner, type TestService, waitFor } from '../support/test-service.ts';
import { openWs } from '../support/ws-client.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({
    WS_AUTH_TIMEOUT_MS: '300',
    WS_PING_INTERVAL_MS: '200',
    WS_MAX_SUBSCRIPTIONS: '3',
    MAX_BODY_BYTES: '4096',
  });
});
afterAll(async () => {
  await svc?.stop();
});

async function submit(owner: TestOwner, input: Record<string, unknown>) {
  const r = await owner.fetch('/v1/jobs', { method: 'POST', json: { type: 'demo.sleep', input } });
  expect(r.status).toBe(202);
  return JobSchema.parse(await r.json());
}

const isTerminalStatus = (m: Record<string, unknown>) =>
  m.type === 'status' && ['succeeded', 'failed', 'canceled'].includes((m.data as { status: string }).status);

describe('GET /v1/ws', () => {
  it('authenticates by header and streams a subscribed job to its terminal status', async () => {
    const owner = await svc.newOwner();
    const job = await submit(owner, { duration_ms: 300, steps: 3 });
    const client = await openWs(svc.url, { key: owner.key });
    client.send({ type: 'subscribe', job_id: job.id });
    const first = await client.next();
    expect(first).toMatchObject({ type: 'status', job_id: job.id });
    const final = await client.next(isTerminalStatus);
    expect(final).toMatchObject({ job_id: job.id, data: { status: 'succeeded' } });
    expect(Number(final.id)).toBeGreaterThan(Number(first.id));
    client.ws.close();
  });

  it('authenticates by a first auth message, and replays after an event id', async () => {
    const owner = await svc.newOwner();
    // Steps 100 ms apart, so both reports are written (reports made in the same turn coalesce).
    const job = await submit(owner, { duration_ms: 200, steps: 2 });
    await waitFor(async () => (await owner.fetch(`/v1/jobs/${job.id}`)).status === 303);
    const client = await openWs(svc.url);
    client.send({ type: 'auth', token: owner.key });
    client.send({ type: 'subscribe', job_id: job.id, after: 2 });
    const replayed = [await client.next(), await client.next(), await client.next()];
    expect(replayed.map((m) => [m.type, m.id])).toEqual([
      ['progress', 3],
      ['progress', 4],
      ['status', 5],
    ]);
    client.ws.close();
  });

  it('closes with 4401 without authentication, and refuses a bad header with 401', async () => {
    const silent = await openWs(svc.url);
    expect((await silent.closed).code).toBe(4401);
    const early = await openWs(svc.url);
    early.send({ type: 'subscribe', job_id: 'x' });
    expect((await early.closed).code).toBe(4401);
    const wrong = await openWs(svc.url);
    wrong.send({ type: 'auth', token: 'not-a-key' });
    expect((await wrong.closed).code).toBe(4401);
    await expect(openWs(svc.url, { key: 'not-a-key' })).rejects.toMatchObject({ status: 401 });
  });

  it('answers a foreign, missing or malformed job id with the same 404 problem as HTTP', async () => {
    const owner = await svc.newOwner();
    const other = await svc.newOwner();
    const job = await submit(other, { duration_ms: 0, steps: 1 });
    const http404 = await (await owner.fetch(`/v1/jobs/${job.id}`)).json();
    const client = await openWs(svc.url, { key: owner.key });
    for (const id of [job.id, 'missing', '../../etc']) {
      client.send({ type: 'subscribe', job_id: id });
      expect(await client.next()).toEqual({ type: 'error', job_id: id, problem: http404 });
    }
    client.ws.close();
  });

  it('submits over the socket: accepted, then events to the terminal status; refusals carry the HTTP problem', async () => {
    const owner = await svc.newOwner();
    const client = await openWs(svc.url, { key: owner.key });
    client.send({
      type: 'submit',
      request_id: 'r1',
      job: { type: 'demo.sleep', input: { duration_ms: 100, steps: 2 } },
    });
    const accepted = await client.next();
    expect(accepted).toMatchObject({ type: 'accepted', request_id: 'r1', data: { status: 'queued' } });
    const jobId = (accepted.data as { id: string }).id;
    const final = await client.next(isTerminalStatus);
    expect(final).toMatchObject({ job_id: jobId, data: { status: 'succeeded' } });

    const bad = { type: 'demo.sleep', input: { duration_ms: -1 } };
    const httpProblem = await (await owner.fetch('/v1/jobs', { method: 'POST', json: bad })).json();
    client.send({ type: 'submit', request_id: 'r2', job: bad });
    expect(await client.next((m) => m.request_id === 'r2')).toEqual({
      type: 'error',
      request_id: 'r2',
      problem: httpProblem,
    });
    const unknown = { type: 'no.such.type' };
    const httpUnknown = await (await owner.fetch('/v1/jobs', { method: 'POST', json: unknown })).json();
    client.send({ type: 'submit', request_id: 'r3', job: unknown });
    expect(await client.next((m) => m.request_id === 'r3')).toEqual({
      type: 'error',
      request_id: 'r3',
      problem: httpUnknown,
    });
    client.ws.close();
  });

  it('answers malformed messages with an error without affecting other clients', async () => {
    const owner = await svc.newOwner();
    const job = await submit(owner, { duration_ms: 800, steps: 4 });
    const watcher = await openWs(svc.url, { key: owner.key });
    watcher.send({ type: 'subscribe', job_id: job.id });
    await watcher.next();
    const noisy = await openWs(svc.url, { key: owner.key });
    for (const junk of ['not json', '{"type":"dance"}', '[1,2]', '{"type":"subscribe"}']) {
      noisy.send(junk);
      expect(await noisy.next()).toMatchObject({ type: 'error', problem: { status: 400 } });
    }
    expect(noisy.ws.readyState).toBe(noisy.ws.OPEN);
    expect(await watcher.next(isTerminalStatus)).toMatchObject({ data: { status: 'succeeded' } });
    noisy.ws.close();
    watcher.ws.close();
  });

  it('caps subscriptions per connection and closes with 1009 on an oversized message', async () => {
    const owner = await svc.newOwner();
    const jobs = await Promise.all([1, 2, 3, 4].map(() => submit(owner, { duration_ms: 30_000, steps: 1 })));
    const client = await openWs(svc.url, { key: owner.key });
    for (const job of jobs.slice(0, 3)) {
      client.send({ type: 'subscribe', job_id: job.id });
      await client.next((m) => m.job_id === job.id);
    }
    client.send({ type: 'subscribe', job_id: jobs[3]?.id });
    expect(await client.next((m) => m.type === 'error')).toMatchObject({ problem: { status: 429 } });
    expect((await client.closed).code).toBe(1009);
    const big = await openWs(svc.url, { key: owner.key });
    big.send({
      type: 'submit',
      request_id: 'big',
      job: { type: 'demo.sleep', input: { output: 'x'.repeat(20_000) } },
    });
    expect((await big.closed).code).toBe(1009);
    await waitFor(async () => svc.service.webSockets?.subscriptionCount === 0);
    for (const job of jobs) await owner.fetch(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
  });

  it('closes a dead peer that misses two pongs', async () => {
    const owner = await svc.newOwner();
    const before = svc.service.webSockets?.connectionCount ?? 0;
    const client = await openWs(svc.url, { key: owner.key, autoPong: false });
    expect(svc.service.webSockets?.connectionCount).toBe(before + 1);
    const { code } = await client.closed;
    expect(code).toBe(1006); // terminated: no close handshake with a dead peer
    await waitFor(async () => svc.service.webSockets?.connectionCount === before);
  });

  it('answers a plain GET with 426 Upgrade Required', async () => {
    const owner = await svc.newOwner();
    const r = await owner.fetch('/v1/ws');
    expect(r.status).toBe(426);
    expect(r.headers.get('upgrade')).toBe('websocket');
  });
});
