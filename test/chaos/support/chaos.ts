// Shared pieces of the chaos suite: the real service as a child process on its own embedded
// PostgreSQL (a fresh DATA_DIR), a direct connection to that database to check outcomes, load
// generators that record every acknowledged job, RSS sampling, and the captured output the
// secrets check greps.
import { appendFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { onTestFailed } from 'vitest';
import { type ChildService, startChildService, tempDataDir } from '../../support/child-service.ts';
import { registerServiceOrigin } from '../../support/service-origins.ts';

export const KEY_PATTERN = /sk_[A-Za-z0-9_-]{43}/;

/** Every child's output, for the secrets check (one array per test file). */
export const capturedOutput: Array<() => string> = [];

export interface ChaosService extends ChildService {
  dataDir: string;
  /** The API key printed on the first start ("demo"). */
  key: string;
}

export async function startChaosService(
  env: Record<string, string> = {},
  dataDir = tempDataDir(),
  key?: string,
): Promise<ChaosService> {
  const service = await startChildService({ DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env }, 120_000);
  registerServiceOrigin(service.url);
  capturedOutput.push(() => `${service.stdout()}\n${service.stderr()}`);
  // A failed scenario leaves the service's own account of it behind.
  onTestFailed(() => {
    const file = join(tmpdir(), 'aj-chaos-failure.log');
    appendFileSync(file, `--- ${service.url}\n${service.stdout()}\n${service.stderr()}\n`);
    process.stderr.write(`service output of the failed scenario: ${file}\n`);
  });
  const printed = KEY_PATTERN.exec(service.stdout())?.[0];
  return { ...service, dataDir, key: key ?? (printed as string) };
}

/** A connection to the embedded database of a DATA_DIR, to check outcomes from the source. */
export function databaseOf(dataDir: string): postgres.Sql {
  const { port, password } = JSON.parse(readFileSync(join(dataDir, 'postgres.json'), 'utf8')) as {
    port: number;
    password: string;
  };
  return postgres(`postgres://postgres:${password}@127.0.0.1:${port}/postgres`, {
    max: 2,
    onnotice: () => {},
    connect_timeout: 5,
  });
}

export function authHeaders(key: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...extra };
}

export interface SubmitResult {
  status: number;
  id?: string;
  ms: number;
  retryAfter?: string | null;
  contentType?: string | null;
  /** The request failed without an HTTP answer (connection refused or reset). */
  networkError?: string;
}

/** POST /v1/jobs once; never throws. */
export async function submit(
  baseUrl: () => string,
  key: string,
  body: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<SubmitResult> {
  const started = performance.now();
  try {
    const res = await fetch(`${baseUrl()}/v1/jobs`, {
      method: 'POST',
      headers: authHeaders(key, headers),
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    const ms = performance.now() - started;
    const id = res.status === 202 || res.status === 200 ? (JSON.parse(text) as { id: string }).id : undefined;
    return {
      status: res.status,
      ms,
      ...(id ? { id } : {}),
      retryAfter: res.headers.get('retry-after'),
      contentType: res.headers.get('content-type'),
    };
  } catch (error) {
    return {
      status: 0,
      ms: performance.now() - started,
      networkError: String((error as Error).cause ?? error),
    };
  }
}

/**
 * Runs `clients` loops that each submit `makeBody(i)` until stop() and records every answer;
 * the acknowledged (202) ids are the jobs the service promised to run.
 */
export function startSubmitLoad(
  baseUrl: () => string,
  key: string,
  clients: number,
  makeBody: (n: number) => unknown,
  pauseMs = 20,
) {
  const results: SubmitResult[] = [];
  let running = true;
  let n = 0;
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const result = await submit(baseUrl, key, makeBody(n++));
      results.push(result);
      await new Promise((r) => setTimeout(r, result.status === 0 ? 100 : pauseMs));
    }
  });
  return {
    results,
    acknowledged: () => results.filter((r) => r.status === 202).map((r) => r.id as string),
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Status of each job id, straight from the database. */
export async function statusesOf(sql: postgres.Sql, ids: string[]): Promise<Map<string, string>> {
  const rows = await sql<
    { id: string; status: string }[]
  >`select id, status from jobs where id = any(${ids})`;
  return new Map(rows.map((r) => [r.id, r.status]));
}

/** Terminal status events recorded per job: exactly one each is the promise. */
export async function terminalEventCounts(sql: postgres.Sql, ids: string[]): Promise<Map<string, number>> {
  const rows = await sql<{ job_id: string; n: number }[]>`
    select job_id, count(*)::int as n from job_events
    where job_id = any(${ids}) and kind = 'status'
      and payload->>'status' in ('succeeded', 'failed', 'canceled')
    group by job_id`;
  return new Map(rows.map((r) => [r.job_id, r.n]));
}

export const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);

/** Waits until every id is terminal in the database; returns the statuses. */
export async function waitAllTerminal(
  sql: postgres.Sql,
  ids: string[],
  timeoutMs: number,
): Promise<Map<string, string>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await statusesOf(sql, ids).catch(() => new Map<string, string>());
    const open = ids.filter((id) => !TERMINAL.has(statuses.get(id) ?? ''));
    if (open.length === 0 || Date.now() > deadline) return statuses;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kb ?? 0) * 1024;
}

/** Samples a process's RSS every intervalMs until stop(); returns the peak. */
export function sampleRss(pid: number, intervalMs = 100) {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssOf(pid));
    } catch {
      // exited
    }
  }, intervalMs);
  return {
    get peak() {
      return peak;
    },
    stop: () => clearInterval(timer),
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** One line of figures for the README's Reliability table, printed by each scenario. */
export function report(scenario: string, figures: Record<string, string | number>): void {
  const text = Object.entries(figures)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  process.stdout.write(`[chaos] ${scenario}: ${text}\n`);
}
