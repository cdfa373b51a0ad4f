// Runs the service and its CLIs as real child processes (the bundled Node 24, which strips TypeScript types itself), for tests of what
// only a process shows: signals, exit codes, stdout/stderr, the embedded database. Every child is
// spawned in its own process group and tracked, so killChildren() in afterEach leaves nothing behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'node_modules/.bin');
// Plain `node <file>.ts`: no loader or wrapper process between the test and the service, so a
// signal sent to the pid reaches the service itself.
export const NODE = join(BIN, 'node');

export interface Child {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ChildService extends Child {
  url: string;
  /** Sends SIGTERM to the service (not its process group) and waits for it to exit. */
  terminate(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL to everything it started (its process group and the embedded PostgreSQL, which
   * runs in its own session): a crash. */
  crash(): Promise<void>;
  /** A signal to the whole process group, as a terminal's Ctrl-C (SIGINT) sends it. */
  signalGroup(signal: NodeJS.Signals): void;
}

const live = new Set<Child>();
/** DATA_DIR of each child that runs an embedded PostgreSQL. */
const dataDirs = new WeakMap<Child, string>();
const tempDirs = new Set<string>();

/** The environment of a child: ours without DATABASE_URL (tests opt in), node 24 first on PATH. */
export function childEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  env.PATH = `${BIN}:${process.env.PATH ?? ''}`;
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

export interface SpawnOptions {
  /** The project directory to run in (default: this checkout). */
  cwd?: string;
  /** The Node binary (default: the bundled Node 24 in this checkout's node_modules/.bin). */
  node?: string;
}

/** Spawns `node <script> ...args` in its own process group with the given environment overrides. */
export function spawnNode(
  script: string,
  args: string[] = [],
  env: Record<string, string | undefined> = {},
  options: SpawnOptions = {},
): Child {
  const proc = spawn(options.node ?? NODE, [script, ...args], {
    cwd: options.cwd ?? ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  proc.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    proc.once('close', (code, signal) => done({ code, signal }));
    proc.once('error', () => done({ code: null, signal: null }));
  });
  const child: Child = { proc, stdout: () => out, stderr: () => err, exited };
  live.add(child);
  if (env.DATA_DIR && !env.DATABASE_URL) dataDirs.set(child, env.DATA_DIR);
  void exited.then(() => live.delete(child));
  return child;
}

/** Runs a CLI to completion; kills its process group after timeoutMs. */
export async function runNode(
  script: string,
  args: string[] = [],
  env: Record<string, string | undefined> = {},
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnNode(script, args, env);
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
  const { code } = await child.exited;
  clearTimeout(timer);
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

/** The pid in the embedded cluster's postmaster.pid under dataDir (see src/db/cluster-location.ts). */
export function embeddedPostmasterPid(dataDir: string): number | undefined {
  const record = join(dataDir, 'postgres.json');
  if (!existsSync(record)) return undefined;
  const { pgDir } = JSON.parse(readFileSync(record, 'utf8')) as { pgDir?: string };
  const lock = join(pgDir ?? join(dataDir, 'pg'), 'postmaster.pid');
  if (!existsSync(lock)) return undefined;
  const pid = Number.parseInt(readFileSync(lock, 'utf8').split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** SIGKILL to the embedded PostgreSQL of a child (it runs in a session of its own). */
function killEmbeddedServer(child: Child) {
  const dataDir = dataDirs.get(child);
  const pid = dataDir ? embeddedPostmasterPid(dataDir) : undefined;
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function killGroup(child: Child, signal: NodeJS.Signals) {
  if (child.proc.pid === undefined || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  try {
    process.kill(-child.proc.pid, signal);
  } catch {
    // already gone
  }
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts `src/main.ts` on a free port and waits until it has said "Listening on" and /readyz
 * answers 200. Pass DATABASE_URL or DATA_DIR. A port taken between freePort() and the child's
 * listen (another test file) is retried on a new port.
 */
export async function startChildService(
  env: Record<string, string | undefined>,
  timeoutMs = 60_000,
  options: SpawnOptions = {},
): Promise<ChildService> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startChildServiceOnce({ PORT: String(await freePort()), ...env }, timeoutMs, options);
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('EADDRINUSE')) throw error;
    }
  }
}

async function startChildServiceOnce(
  env: Record<string, string | undefined>,
  timeoutMs: number,
  options: SpawnOptions,
): Promise<ChildService> {
  const child = spawnNode('src/main.ts', [], { HOST: '127.0.0.1', ...env }, options);
  const terminate = async (waitMs = 40_000) => {
    if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGTERM');
    const { code } = await withTimeout(child.exited, waitMs, 'graceful stop').catch(async (error) => {
      killGroup(child, 'SIGKILL');
      throw error;
    });
    return code;
  };
  const crash = async () => {
    killEmbeddedServer(child);
    killGroup(child, 'SIGKILL');
    await child.exited;
  };
  const signalGroup = (signal: NodeJS.Signals) => killGroup(child, signal);
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  for (;;) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null)
      throw new Error(`service exited before ready (${child.proc.exitCode}): ${child.stderr()}`);
    url ??= /Listening on (http:\/\/\S+)/.exec(child.stdout())?.[1];
    if (url) {
      const ready = await fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return { ...child, url, terminate, crash, signalGroup };
    }
    if (Date.now() > deadline) {
      killGroup(child, 'SIGKILL');
      throw new Error(`service not ready within ${timeoutMs} ms: ${child.stdout()}\n${child.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGKILLs the process group of every child still running and waits for them; for afterEach. */
export async function killChildren(): Promise<void> {
  const children = [...live];
  for (const child of children) {
    killEmbeddedServer(child);
    killGroup(child, 'SIGKILL');
  }
  await Promise.all(children.map((c) => c.exited));
}

/** A temporary DATA_DIR, removed by removeTempDirs(). */
export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aj-proc-'));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
