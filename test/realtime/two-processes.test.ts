// ROLE=api and ROLE=worker as separate processes on one database: the worker's progress reaches
// an SSE client of the API process through NOTIFY, and pickup stays fast across processes.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSql, type Sql } from '../../src/db/client.ts';
import { createApiKey } from '../../src/identity/api-key-store.ts';
import { JobSchema } from '../../src/routes/jobs/schemas.ts';
import { createTestDatabase } from '../support/database.ts';
import { readSseFrames } from '../support/sse-client.ts';
import { authedFetch, waitFor } from '../support/test-service.ts';

const children: ChildProcess[] = [];
let sql: Sql;
let apiUrl: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function startProcess(env: Record<string, string>, readyLine: RegExp): Promise<ChildProcess> {
  const child = spawn('node_modules/.bin/node', ['src/main.ts'], {
    env: { ...process.env, LOG_LEVEL: 'error', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (readyLine.test(output)) resolve(child);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    child.once('exit', (code) => reject(new Error(`${env.ROLE} exited with ${code}: ${output}`)));
  });
}

beforeAll(async () => {
  const databaseUrl = await createTestDatabase();
  sql = createSql(databaseUrl, { max: 2 });
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  await Promise.all([
    startProcess({ DATABASE_URL: databaseUrl, ROLE: 'api', PORT: String(port) }, /Listening on/),
    startProcess({ DATABASE_URL: databaseUrl, ROLE: 'worker', PORT: '0' }, /Worker running/),
  ]);
  await waitFor(async () => (await fetch(`${apiUrl}/readyz`).catch(() => undefined))?.ok);
}, 90_000);

afterAll(async () => {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  await sql?.end();
});

it('delivers progress from a worker process to an SSE client of the API process, with fast pickup', async () => {
  const { key } = await createApiKey(sql, `two_proc_${Date.now()}`);
  const api = authedFetch(apiUrl, key);
  const pickups: number[] = [];
  const lags: number[] = [];
  for (let round = 0; round < 8; round++) {
    const r = await api('/v1/jobs', {
      method: 'POST',
      json: { type: 'demo.sleep', input: { duration_ms: 500, steps: 5 } },
    });
    const job = JobSchema.parse(await r.json());
    const events = await api(`/v1/jobs/${job.id}/events`);
    const progress: number[] = [];
    let final = '';
    for await (const frame of readSseFrames(events)) {
      if (frame.event === 'progress') {
        const data = JSON.parse(frame.data ?? '{}');
        progress.push(data.percent);
        // updated_at is the database's clock at the write; this host runs that database.
        lags.push(Date.now() - Date.parse(data.updated_at));
      }
      if (frame.event === 'status') final = JSON.parse(frame.data ?? '{}').status;
    }
    // The reporter coalesces writes while one is in flight, so under load some steps may merge.
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(100);
    expect(final).toBe('succeeded');
    const [row] = await sql<{ ms: number }[]>`
      select extract(epoch from started_at - created_at) * 1000 as ms from jobs where id = ${job.id}`;
    pickups.push(Number(row?.ms));
    await new Promise((r) => setTimeout(r, 200)); // let the queue go idle between jobs
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  console.log(
    `two processes: pickup ms ${pickups.map((x) => x.toFixed(1)).join(' ')}; progress→SSE ms median ${median(lags)} max ${Math.max(...lags)}`,
  );
  // Generous bounds: this checks NOTIFY wake-ups across processes (the polling floor is 10 s),
  // not the machine's speed.
  expect(median(pickups)).toBeLessThan(500);
  expect(median(lags)).toBeLessThan(500);
});
