// 1,000 jobs with callbacks to one healthy receiver: every event arrives, and we count repeats.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebhookSecretListSchema } from '../../src/routes/webhook-secret/schemas.ts';
import {
  type CallbackReceiver,
  LOCAL_CALLBACKS,
  startReceiver,
  verifyWith,
} from '../support/callback-receiver.ts';
import { startTestService, type TestService, waitFor } from '../support/test-service.ts';

const JOBS = 1000;
let svc: TestService;
let receiver: CallbackReceiver;
beforeAll(async () => {
  svc = await startTestService({
    ...LOCAL_CALLBACKS,
    CALLBACK_RETRY_SCHEDULE: '1,1,1',
    WORKER_CONCURRENCY: '16',
    MAX_ACTIVE_JOBS_PER_OWNER: '2000',
  });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await svc?.stop();
});

// Spread over 10 owners: submissions of one owner serialise on its active-job counter row.
const OWNERS = 10;

it('delivers every one of 1,000 callbacks, deduplicated by webhook-id with nothing lost', {
  timeout: 120_000,
}, async () => {
  const owners = await Promise.all(Array.from({ length: OWNERS }, () => svc.newOwner()));
  const secretOfJob = new Map<string, string>();
  const started = Date.now();
  await Promise.all(
    owners.map(async (owner) => {
      const list = await (await owner.fetch('/v1/webhook-secret')).json();
      const secret = WebhookSecretListSchema.parse(list).secrets[0]?.secret ?? '';
      for (let i = 0; i < JOBS / OWNERS; i += 1) {
        const res = await owner.fetch('/v1/jobs', {
          method: 'POST',
          json: { type: 'demo.sleep', input: { duration_ms: 0, steps: 1 }, callback_url: receiver.url },
        });
        expect(res.status).toBe(202);
        secretOfJob.set(((await res.json()) as { id: string }).id, secret);
      }
    }),
  );
  const submittedMs = Date.now() - started;

  await receiver.waitForRequests(JOBS, 100_000);
  const deliveredMs = Date.now() - started;
  const byWebhookId = new Map<string, string>();
  for (const req of receiver.requests) {
    const jobId = (JSON.parse(req.body) as { data: { id: string } }).data.id;
    expect(verifyWith(secretOfJob.get(jobId) ?? '', req)).toBeTruthy();
    byWebhookId.set(String(req.headers['webhook-id']), jobId);
  }
  const duplicates = receiver.requests.length - byWebhookId.size;
  console.log(
    `burst: ${JOBS} jobs submitted in ${submittedMs} ms, ${byWebhookId.size} distinct events received ${deliveredMs} ms after the first submit, ${duplicates} duplicate deliveries`,
  );
  expect(byWebhookId.size).toBe(JOBS);
  expect(new Set(byWebhookId.values())).toEqual(new Set(secretOfJob.keys()));
  // The receiver answers before the attempt is recorded: wait for the bookkeeping to catch up.
  await waitFor(async () => {
    const [row] = await svc.sql<{ n: number }[]>`
      select count(*)::int as n from webhook_events where status = 'delivered'`;
    return row?.n === JOBS;
  }, 20_000);
  const [jobs] = await svc.sql<{ n: number }[]>`
    select count(*)::int as n from jobs where callback_status = 'delivered'`;
  expect(jobs?.n).toBe(JOBS);
  expect(duplicates).toBe(0);
});
