// Chaos 1 — crash and restart: SIGKILL of everything the service started, mid-load, and an
// immediate restart on the same DATA_DIR, three times. It starts every time; every job
// acknowledged (202) before ends in exactly one terminal state; every callback arrives (deduped
// by webhook-id; no id with two bodies).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type CallbackReceiver, LOCAL_CALLBACKS, startReceiver } from '../support/callback-receiver.ts';
import { killChildren, removeTempDirs } from '../support/child-service.ts';
import {
  type ChaosService,
  databaseOf,
  report,
  startChaosService,
  startSubmitLoad,
  terminalEventCounts,
  waitAllTerminal,
} from './support/chaos.ts';

const ROUNDS = 3;
let receiver: CallbackReceiver | undefined;
afterEach(killChildren);
afterAll(async () => {
  await receiver?.close();
  removeTempDirs();
});

const ENV = {
  ...LOCAL_CALLBACKS,
  WORKER_CONCURRENCY: '16',
  CALLBACK_RETRY_SCHEDULE: '1,1,2,2,5',
  CALLBACK_TIMEOUT_MS: '2000',
};

describe('crash and restart under load', () => {
  it('comes back every time, and every acknowledged job ends once with its callback delivered', async () => {
    const hooks = await startReceiver();
    receiver = hooks;
    let service: ChaosService = await startChaosService(ENV);
    const key = service.key;
    const load = startSubmitLoad(
      () => service.url,
      key,
      8,
      (n) => ({
        type: 'demo.sleep',
        input: { duration_ms: 200 + (n % 5) * 300, steps: 2 },
        callback_url: hooks.url,
      }),
      50,
    );
    let restarts = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // Let jobs get running (and callbacks in flight) before the kill.
      await new Promise((r) => setTimeout(r, 3000));
      await service.crash();
      service = await startChaosService(ENV, service.dataDir, key);
      restarts++;
    }
    await new Promise((r) => setTimeout(r, 2000));
    await load.stop();
    const acknowledged = load.acknowledged();
    expect(acknowledged.length).toBeGreaterThan(50);

    const sql = databaseOf(service.dataDir);
    try {
      // A killed attempt is run again once pg-boss misses its heartbeat (10 s) on its next
      // supervise (5 s); a killed callback attempt once it expires (timeout + 60 s).
      const statuses = await waitAllTerminal(sql, acknowledged, 150_000);
      const lost = acknowledged.filter((id) => !statuses.has(id));
      const unfinished = acknowledged.filter((id) => statuses.has(id) && statuses.get(id) !== 'succeeded');
      const counts = await terminalEventCounts(sql, acknowledged);
      const doubles = acknowledged.filter((id) => (counts.get(id) ?? 0) > 1);
      expect(lost).toEqual([]);
      expect(unfinished).toEqual([]);
      expect(doubles).toEqual([]);

      // Every job's callback arrives at least once; one webhook-id, one body.
      const [eventCount] = await sql<{ n: number }[]>`
        select count(*)::int as n from webhook_events where job_id = any(${acknowledged})`;
      expect(eventCount?.n).toBe(acknowledged.length);
      const deadline = Date.now() + 120_000;
      const jobsCalledBack = () => {
        const seen = new Set<string>();
        for (const r of hooks.requests) seen.add((JSON.parse(r.body) as { data: { id: string } }).data.id);
        return seen;
      };
      while (acknowledged.some((id) => !jobsCalledBack().has(id)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
      }
      const called = jobsCalledBack();
      const callbacksLost = acknowledged.filter((id) => !called.has(id));
      const bodies = new Map<string, Set<string>>();
      for (const r of hooks.requests) {
        const id = String(r.headers['webhook-id']);
        bodies.set(id, (bodies.get(id) ?? new Set()).add(r.body));
      }
      const twoBodies = [...bodies.values()].filter((b) => b.size > 1).length;
      // One webhook-id per acknowledged job. A submit whose 202 was lost in a crash may still have
      // committed: its job runs and calls back too, so the receiver can hear a few more jobs.
      const webhookIdsOf = new Map<string, Set<string>>();
      for (const r of hooks.requests) {
        const jobId = (JSON.parse(r.body) as { data: { id: string } }).data.id;
        webhookIdsOf.set(jobId, (webhookIdsOf.get(jobId) ?? new Set()).add(String(r.headers['webhook-id'])));
      }
      expect(callbacksLost).toEqual([]);
      expect(twoBodies).toBe(0);
      expect(acknowledged.filter((id) => webhookIdsOf.get(id)?.size !== 1)).toEqual([]);
      const fiveHundreds = load.results.filter((r) => r.status >= 500).length;
      report('crash-restart', {
        crashes: ROUNDS,
        restart_successes: restarts,
        acknowledged: acknowledged.length,
        jobs_lost: lost.length,
        double_terminal: doubles.length,
        callbacks_lost: callbacksLost.length,
        callback_duplicates: hooks.requests.length - bodies.size,
        responses_5xx: fiveHundreds,
      });
      expect(fiveHundreds).toBe(0);
    } finally {
      await sql.end();
    }
    expect(await service.terminate()).toBe(0);
  }, 420_000);
});
