// Spawns the bench's helper processes (service, load generators, baselines, receiver) as
// separate Node processes (Node strips the TypeScript types itself), talks to them over IPC, and makes sure
// every one of them is gone when the bench ends, however it ends.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface BenchChild {
  name: string;
  process: ChildProcess;
  pid: number;
  /** Resolves with the next IPC message whose `type` is `type` (rejects on exit or after timeoutMs). */
  next<T = Record<string, unknown>>(type: string, timeoutMs: number): Promise<T>;
  send(message: Record<string, unknown>): void;
  /** SIGTERM, then SIGKILL after graceMs; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<BenchChild>();

export function benchFile(relative: string): string {
  return fileURLToPath(new URL(`../${relative}`, import.meta.url));
}

export function spawnBenchChild(
  name: string,
  file: string,
  env: Record<string, string>,
  options: { nodeArgs?: string[]; quiet?: boolean } = {},
): BenchChild {
  // process.execPath running the .ts file directly, so the pid we sample for RSS is the process
  // doing the work.
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), benchFile(file)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', options.quiet ? 'ignore' : 'inherit', 'inherit', 'ipc'],
  });
  const queue: Record<string, unknown>[] = [];
  const waiters: Array<{ type: string; resolve: (m: never) => void; reject: (e: Error) => void }> = [];
  let exited = false;
  child.on('message', (message: Record<string, unknown>) => {
    const index = waiters.findIndex((w) => w.type === message.type);
    if (index >= 0) waiters.splice(index, 1)[0]?.resolve(message as never);
    else queue.push(message);
  });
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      live.delete(handle);
      for (const w of waiters.splice(0))
        w.reject(new Error(`${name} exited (code ${code}, signal ${signal}) before sending ${w.type}`));
      resolve();
    });
  });
  const handle: BenchChild = {
    name,
    process: child,
    pid: child.pid ?? -1,
    next<T>(type: string, timeoutMs: number) {
      const index = queue.findIndex((m) => m.type === type);
      if (index >= 0) return Promise.resolve(queue.splice(index, 1)[0] as T);
      if (exited) return Promise.reject(new Error(`${name} has exited`));
      return new Promise<T>((resolve, reject) => {
        const waiter = { type, resolve: resolve as (m: never) => void, reject };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`${name}: no ${type} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiter.resolve = ((m: T) => {
          clearTimeout(timer);
          resolve(m);
        }) as (m: never) => void;
        waiter.reject = (e: Error) => {
          clearTimeout(timer);
          reject(e);
        };
        waiters.push(waiter);
      });
    },
    send(message) {
      if (!exited) child.send(message);
    },
    async stop(graceMs = 10_000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
  live.add(handle);
  return handle;
}

/** Runs a one-shot child: sends it its arguments, waits for its `result`, lets it exit. */
export async function runBenchChild<T>(
  name: string,
  file: string,
  env: Record<string, string>,
  args: unknown,
  timeoutMs: number,
): Promise<T> {
  const child = spawnBenchChild(name, file, env);
  try {
    child.send({ type: 'args', args });
    const message = await child.next<{ result: T }>('result', timeoutMs);
    return message.result;
  } finally {
    await child.stop(2000);
  }
}

export async function stopAllChildren(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop(5000)));
}

/** Resident set size of a process in MiB, from /proc (Linux); NaN elsewhere. */
export async function rssMiB(pid: number): Promise<number> {
  try {
    const { readFile } = await import('node:fs/promises');
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return kib / 1024;
  } catch {
    return Number.NaN;
  }
}
