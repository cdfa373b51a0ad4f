import { expect, it } from 'vitest';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { collectSseEvents } from '../support/sse-client.ts';
import { startTestService, waitFor } from '../support/test-service.ts';
import { openWs } from '../support/ws-client.ts';

it('stop() ends open SSE streams, WebSockets and held long-polls instead of waiting for them', async () => {
  // ROLE=api: no workers, so stop() has only the HTTP side to end (workers get a 20 s grace).
  const svc = await startTestService({ ROLE: 'api' });
  const owner = await svc.newOwner();
  const r = await owner.fetch('/v1/jobs', {
    method: 'POST',
    json: { type: 'demo.sleep', input: { duration_ms: 600_000, steps: 1 } },
  });
  const job = JobSchema.parse(await r.json());
  const sse = await owner.fetch(`/v1/jobs/${job.id}/events`);
  const events = collectSseEvents(sse);
  const ws = await openWs(svc.url, { key: owner.key });
  ws.send({ type: 'subscribe', job_id: job.id });
  await ws.next();
  // Held up to 60 s each; without an early answer, stop() (and this test) would wait that long.
  const heldGet = owner.fetch(`/v1/jobs/${job.id}`, { headers: { prefer: 'wait=60' } });
  const heldSubmit = owner.fetch('/v1/jobs', {
    method: 'POST',
    headers: { prefer: 'wait=60' },
    json: { type: 'demo.sleep', input: { duration_ms: 600_000, steps: 1 } },
  });
  // Wait until both are held: the SSE stream, the socket and the two long-polls all follow the feed.
  await waitFor(async () => svc.service.deps.feed.subscriberCount >= 4);
  await svc.stop();
  expect((await heldGet).status).toBe(200);
  expect((await heldSubmit).status).toBe(202);
  expect((await events).length).toBeGreaterThanOrEqual(1);
  expect((await ws.closed).code).toBe(1001);
});
