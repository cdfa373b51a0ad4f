// Fair share between owners with two worker processes (ROLE=worker × 2) on one database, at the
// default WORKER_CONCURRENCY: owner A's flood uses every worker while it is alone, and a lone job of
// owner B starts within the contract's bound instead of after A's backlog.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { JobBatchSchema, JobSchema } from '../../src/routes/jobs/schemas.ts';
import { type Child, killChildren, spawnNode } from '../support/child-service.ts';
import { createTestDatabase } from '../support/database.ts';
import { startTestService, type TestService, waitFor } from '../support/test-service.ts';

const WORKERS_PER_PROCESS = parseConfig({}).WORKER_CONCURRENCY; // the default
const A_JOB_MS = 500;
const A_BACKLOG = 5000;

let svc: TestService;
const workers: Child[] = [];

async function startWorkerProcess(databaseUrl: string): Promise<Child> {
  const child = spawnNode('src/main.ts', [], { DATABASE_URL: databaseUrl, ROLE: 'worker', PORT: '0' });
  await waitFor(async () => {
    if (child.proc.exitCode !== null) throw new Error(`worker exited: ${child.stderr()}`);
    return /Worker running/.test(child.stdout());
  }, 60_000);
  return child;
}

beforeAll(async () => {
  const databaseUrl = await createTestDatabase();
  // The API alone in this process; the cap raised so that A can queue its flood.
  svc = await startTestService({ ROLE: 'api', MAX_ACTIVE_JOBS_PER_OWNER: '10000' }, { databaseUrl });
  workers.push(...(await Promise.all([startWorkerProcess(databaseUrl), startWorkerProcess(databaseUrl)])));
}, 120_000);

afterAll(async () => {
  await killChildren();
  await svc?.stop();
});

describe('fair share between owners', () => {
  it("starts a lone job of owner B soon while owner A's flood keeps every worker busy", async () => {
    const a = await svc.newOwner('flood');
    const b = await svc.newOwner('lone');
    const aJob = { type: 'demo.sleep', input: { duration_ms: A_JOB_MS, steps: 1 } };
    for (let sent = 0; sent < A_BACKLOG; sent += 1000) {
      const res = await a.fetch('/v1/jobs/batch', { method: 'POST', json: { jobs: Array(1000).fill(aJob) } });
      expect(res.status).toBe(202);
      JobBatchSchema.parse(await res.json());
    }
    const runningOf = async (ownerId: string) => {
      const [row] = await svc.sql<{ n: number }[]>`
        select count(*)::int as n from jobs where owner_id = ${ownerId} and status = 'running'`;
      return row?.n ?? 0;
    };
    // Work-conserving: alone, A gets every worker of both processes.
    await waitFor(async () => (await runningOf(a.ownerId)) === 2 * WORKERS_PER_PROCESS, 60_000);

    const res = await b.fetch('/v1/jobs', {
      method: 'POST',
      json: { type: 'demo.sleep', input: { duration_ms: 0, steps: 1 } },
    });
    const job = JobSchema.parse(await res.json());
    const started = await waitFor(async () => {
      const current = JobSchema.parse(await (await b.fetch(`/v1/jobs/${job.id}`)).json());
      return current.started_at ? current : undefined;
    }, 60_000);
    const waitedMs = Date.parse(started.started_at ?? '') - Date.parse(started.created_at);
    // Contract: 2 s plus one of A's jobs finishing (all workers are busy). In FIFO order B would
    // wait for A's whole backlog: 5000 × 500 ms / (2 × WORKER_CONCURRENCY) workers, 20 s or more.
    expect(waitedMs).toBeLessThan(2000 + A_JOB_MS + 1000);
    const [queuedA] = await svc.sql<{ n: number }[]>`
      select count(*)::int as n from jobs where owner_id = ${a.ownerId} and status = 'queued'`;
    expect(queuedA?.n).toBeGreaterThan(A_BACKLOG / 2);
  }, 180_000);
});
