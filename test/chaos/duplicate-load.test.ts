// Chaos 4 — load with duplicates: 10,000 submits from 200 concurrent clients, every
// Idempotency-Key sent twice (half the requests repeat one): exactly 5,000 jobs, all complete,
// both answers of a key name the same job; the p99 submit latency is reported (not asserted).
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killChildren, removeTempDirs } from '../support/child-service.ts';
import {
  databaseOf,
  percentile,
  report,
  startChaosService,
  submit,
  waitAllTerminal,
} from './support/chaos.ts';

afterEach(killChildren);
afterAll(removeTempDirs);

const REQUESTS = 10_000;
const CLIENTS = 200;

describe('load with duplicate Idempotency-Keys', () => {
  it('creates exactly one job per key out of 10,000 submits from 200 clients, and runs them all', async () => {
    const service = await startChaosService({ MAX_ACTIVE_JOBS_PER_OWNER: '20000', WORKER_CONCURRENCY: '16' });
    const keys: string[] = Array.from({ length: REQUESTS / 2 }, () => randomUUID());
    // Each key twice, shuffled so that some duplicates race each other and some come much later.
    const work = [...keys, ...keys];
    for (let i = work.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [work[i], work[j]] = [work[j] as string, work[i] as string];
    }
    const idsByKey = new Map<string, Set<string>>();
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < work.length) {
          const key = work[next++] as string;
          for (;;) {
            const r = await submit(
              () => service.url,
              service.key,
              { type: 'demo.sleep', input: { duration_ms: 0, steps: 1, output: key } },
              { 'idempotency-key': key },
              60_000,
            );
            latencies.push(r.ms);
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
            // The twin is still being created: its answer says to ask again in Retry-After seconds.
            if (r.status === 409) {
              await new Promise((res) => setTimeout(res, Number(r.retryAfter ?? 1) * 1000));
              continue;
            }
            expect([200, 202]).toContain(r.status);
            idsByKey.set(key, (idsByKey.get(key) ?? new Set()).add(r.id as string));
            break;
          }
        }
      }),
    );
    const elapsedMs = Date.now() - started;
    const keysWithTwoJobs = [...idsByKey.values()].filter((ids) => ids.size !== 1).length;
    expect(keysWithTwoJobs).toBe(0);
    const ids = [...idsByKey.values()].map((s) => [...s][0] as string);

    const sql = databaseOf(service.dataDir);
    try {
      const [created] = await sql<{ n: number }[]>`select count(*)::int as n from jobs`;
      expect(created?.n).toBe(REQUESTS / 2);
      const done = await waitAllTerminal(sql, ids, 180_000);
      const notSucceeded = ids.filter((id) => done.get(id) !== 'succeeded');
      expect(notSucceeded).toEqual([]);
      report('duplicate-load', {
        requests: REQUESTS,
        clients: CLIENTS,
        jobs_created: created?.n ?? 0,
        keys_with_two_jobs: keysWithTwoJobs,
        answers: [...statuses].map(([s, n]) => `${s}x${n}`).join(','),
        responses_5xx: [...statuses].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0),
        p50_ms: Math.round(percentile(latencies, 50)),
        p99_ms: Math.round(percentile(latencies, 99)),
        submit_seconds: (elapsedMs / 1000).toFixed(1),
      });
    } finally {
      await sql.end();
    }
    expect(await service.terminate()).toBe(0);
  }, 360_000);
});
