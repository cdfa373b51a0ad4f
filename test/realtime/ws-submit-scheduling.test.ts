// The WebSocket `submit` message carries run_at and priority inside `job`, exactly as POST /v1/jobs
// does, and refuses bad values with the same problem the HTTP route gives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/test-service.ts';
import { openWs } from '../support/ws-client.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ ROLE: 'api' });
});
afterAll(async () => {
  await svc?.stop();
});

describe('WebSocket submit with scheduling', () => {
  it('accepts run_at and priority and refuses bad ones with the HTTP problem', async () => {
    const owner = await svc.newOwner();
    const client = await openWs(svc.url, { key: owner.key });
    const runAt = new Date(Date.now() + 600_000).toISOString();
    client.send({
      type: 'submit',
      request_id: 's1',
      job: { type: 'demo.sleep', input: { duration_ms: 0 }, run_at: runAt, priority: 42 },
    });
    expect(await client.next((m) => m.request_id === 's1')).toMatchObject({
      type: 'accepted',
      data: { status: 'queued', run_at: runAt, priority: 42 },
    });

    const bad = { type: 'demo.sleep', input: { duration_ms: 0 }, priority: 500, run_at: 'soon' };
    const httpProblem = await (await owner.fetch('/v1/jobs', { method: 'POST', json: bad })).json();
    expect(httpProblem.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual([
      '/priority',
      '/run_at',
    ]);
    client.send({ type: 'submit', request_id: 's2', job: bad });
    expect(await client.next((m) => m.request_id === 's2')).toEqual({
      type: 'error',
      request_id: 's2',
      problem: httpProblem,
    });
    client.ws.close();
  });
});
