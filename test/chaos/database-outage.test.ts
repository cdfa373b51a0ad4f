// Chaos 2 — database outage: PostgreSQL stopped under submit load and started again, both the
// embedded server and a DATABASE_URL server. During the outage every submit answers 202 or 503
// problem+json with Retry-After within 10 s (never a 500, never a hang) and /readyz says 503;
// afterwards the service recovers without a restart — requests, workers, the LISTEN feed (an SSE
// stream) and callbacks — and every 202 ends in exactly one terminal state.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSql } from '../../src/db/client.ts';
import { createApiKey } from '../../src/identity/api-key-store.ts';
import { type CallbackReceiver, LOCAL_CALLBACKS, startReceiver } from '../support/callback-receiver.ts';
import { killChildren, removeTempDirs, startChildService } from '../support/child-service.ts';
import { registerServiceOrigin } from '../support/service-origins.ts';
import { readSseFrames } from '../support/sse-client.ts';
import { waitFor } from '../support/test-service.ts';
import {
  authHeaders,
  databaseOf,
  report,
  startChaosService,
  startSubmitLoad,
  submit,
  terminalEventCounts,
  waitAllTerminal,
} from './support/chaos.ts';
import { hasPostgres15, restartEmbedded, startThrowawayPostgres15, stopEmbedded } from './support/outage.ts';

const OUTAGE_MS = 6000;
const receivers: CallbackReceiver[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(killChildren);
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => {});
  await Promise.all(receivers.map((r) => r.close()));
  removeTempDirs();
});

const ENV = { ...LOCAL_CALLBACKS, WORKER_CONCURRENCY: '8', CALLBACK_RETRY_SCHEDULE: '1,1,2,2,5' };

async function readyStatus(url: string): Promise<number> {
  return fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) }).then(
    (r) => r.status,
    () => 0,
  );
}

/**
 * Runs the outage against a started service: load, stop(), OUTAGE_MS of submits and /readyz
 * probes, start(), then the recovery checks. Returns the figures.
 */
async function outageUnderLoad(
  url: string,
  key: string,
  sql: ReturnType<typeof databaseOf>,
  stop: () => Promise<void>,
  start: () => Promise<void>,
) {
  const hooks = await startReceiver();
  receivers.push(hooks);
  const body = (n: number) => ({
    type: 'demo.sleep',
    input: { duration_ms: 300, steps: 3 },
    ...(n % 2 === 0 ? { callback_url: hooks.url } : {}),
  });
  const load = startSubmitLoad(() => url, key, 6, body, 30);
  await new Promise((r) => setTimeout(r, 2000));
  const before = load.results.length;
  await stop();
  const outageStarted = Date.now();
  const readyDuring: number[] = [];
  while (Date.now() - outageStarted < OUTAGE_MS) {
    readyDuring.push(await readyStatus(url));
    await new Promise((r) => setTimeout(r, 500));
  }
  await start();
  const recoveredAt = Date.now();
  await waitFor(async () => (await readyStatus(url)) === 200, 60_000, 250);
  const readyAfterMs = Date.now() - recoveredAt;
  // Requests submitted after recovery: a job followed over SSE (the LISTEN feed came back) with a
  // callback (the dispatcher came back).
  const after = await waitFor(async () => {
    const r = await submit(() => url, key, { ...body(0), input: { duration_ms: 1500, steps: 3 } });
    return r.status === 202 ? r : undefined;
  }, 30_000);
  // Like the submit above, retried on a 503: the first statement on a pooled connection that the
  // restart closed can still fail once, and a 503 with Retry-After is the contract's answer to it.
  const stream = await waitFor(async () => {
    const r = await fetch(`${url}/v1/jobs/${after.id}/events`, { headers: authHeaders(key) });
    if (r.status === 503) await r.body?.cancel();
    return r.status === 503 ? undefined : r;
  }, 30_000);
  expect(stream.status).toBe(200);
  let sawTerminal = false;
  for await (const frame of readSseFrames(stream)) {
    if (frame.event === 'status' && /"status":"succeeded"/.test(frame.data ?? '')) {
      sawTerminal = true;
      break;
    }
  }
  expect(sawTerminal).toBe(true);
  await new Promise((r) => setTimeout(r, 1000));
  await load.stop();

  const during = load.results.slice(before);
  const outageAnswers = during.filter((r) => r.status !== 202);
  const fiveHundreds = load.results.filter((r) => r.status >= 500 && r.status !== 503);
  const slow = load.results.filter((r) => r.ms > 10_000);
  const unanswered = load.results.filter((r) => r.status === 0);
  for (const r of outageAnswers.filter((r) => r.status === 503)) {
    expect(r.contentType).toBe('application/problem+json');
    expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
  }
  expect(outageAnswers.filter((r) => r.status === 503).length).toBeGreaterThan(0);
  expect(fiveHundreds).toEqual([]);
  expect(slow).toEqual([]);
  expect(unanswered).toEqual([]);
  expect(readyDuring).toContain(503);

  const acknowledged = [...load.acknowledged(), after.id as string];
  const statuses = await waitAllTerminal(sql, acknowledged, 90_000);
  const notSucceeded = acknowledged
    .filter((id) => statuses.get(id) !== 'succeeded')
    .map((id) => `${id}: ${statuses.get(id) ?? 'missing'}`);
  const counts = await terminalEventCounts(sql, acknowledged);
  const doubles = acknowledged.filter((id) => (counts.get(id) ?? 0) !== 1);
  expect(notSucceeded).toEqual([]);
  expect(doubles).toEqual([]);
  // Callbacks of jobs from before, during and after the outage all arrive.
  const withCallback = await sql<{ id: string }[]>`
    select job_id as id from webhook_events where job_id = any(${acknowledged})`;
  await waitFor(
    async () => {
      const called = new Set(
        hooks.requests.map((r) => (JSON.parse(r.body) as { data: { id: string } }).data.id),
      );
      return withCallback.every((j) => called.has(j.id));
    },
    90_000,
    500,
  );
  return {
    acknowledged: acknowledged.length,
    answers_503: outageAnswers.filter((r) => r.status === 503).length,
    responses_5xx_other: fiveHundreds.length,
    slowest_ms: Math.round(Math.max(...load.results.map((r) => r.ms))),
    ready_after_ms: readyAfterMs,
    jobs_lost: notSucceeded.length,
    double_terminal: doubles.length,
    callbacks: withCallback.length,
  };
}

describe('a database outage under load', () => {
  it('embedded PostgreSQL stopped and started again: 503s meanwhile, then recovery without a restart', async () => {
    const service = await startChaosService(ENV);
    const sql = databaseOf(service.dataDir);
    let restarted: Awaited<ReturnType<typeof restartEmbedded>> | undefined;
    cleanups.push(async () => restarted?.stop());
    try {
      const figures = await outageUnderLoad(
        service.url,
        service.key,
        sql,
        () => stopEmbedded(service.dataDir),
        async () => {
          restarted = await restartEmbedded(service.dataDir);
        },
      );
      report('database-outage (embedded)', figures);
    } finally {
      await sql.end();
    }
    expect(await service.terminate()).toBe(0);
    await restarted?.stop();
  }, 300_000);

  it.runIf(hasPostgres15)(
    'a DATABASE_URL server (PostgreSQL 15) restarted: 503s meanwhile, then recovery without a restart',
    async () => {
      const pg = await startThrowawayPostgres15();
      cleanups.push(() => pg.remove());
      const setup = createSql(pg.url, { max: 1 });
      const { key } = await (async () => {
        const { migrateDatabase } = await import('../../src/db/migrate.ts');
        await migrateDatabase(pg.url);
        return createApiKey(setup, 'outage');
      })();
      await setup.end();
      const service = await startChildService({ DATABASE_URL: pg.url, LOG_LEVEL: 'info', ...ENV }, 120_000);
      registerServiceOrigin(service.url);
      const sql = createSql(pg.url, { max: 2 }) as unknown as ReturnType<typeof databaseOf>;
      try {
        const figures = await outageUnderLoad(service.url, key, sql, pg.stop, pg.start);
        report('database-outage (DATABASE_URL, PostgreSQL 15)', figures);
      } finally {
        await sql.end();
      }
      expect(await service.terminate()).toBe(0);
    },
    300_000,
  );
});
