import { expect, it } from 'vitest';
import { JobSchema } from '../../src/routes/jobs/schemas';
import { collectSseEvents } from '../support/sse-client';
import { startTestService } from '../support/test-service';
import { openWs } from '../support/ws-client';

it('stop() ends open SSE streams and WebSockets instead of waiting for them', async () => {
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
  const started = performance.now();
  await svc.stop();
  expect(performance.now() - started).toBeLessThan(5_000);
  expect((await events).length).toBeGreaterThanOrEqual(1);
  expect((await ws.closed).code).toBe(1001);
});
