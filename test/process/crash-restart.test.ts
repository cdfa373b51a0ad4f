// The embedded database across crashes and terminals: after a SIGKILL of everything the service
// started, the next start (and `npm run apikey`) comes up at once; a Ctrl-C to the whole process
// group stops the service first and its database last, exit 0; root under a directory the
// postgres user cannot enter still gets a cluster.
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type ChildService,
  embeddedPostmasterPid,
  killChildren,
  removeTempDirs,
  runNode,
  startChildService,
  tempDataDir,
} from '../support/child-service.ts';
import { authedFetch, waitFor } from '../support/test-service.ts';

afterEach(killChildren);
afterAll(removeTempDirs);

const KEY = /sk_[A-Za-z0-9_-]{43}/;

function firstKey(service: ChildService): string {
  return KEY.exec(service.stdout())?.[0] as string;
}

async function submitSleep(service: ChildService, key: string, durationMs: number): Promise<string> {
  const res = await authedFetch(service.url, key)('/v1/jobs', {
    method: 'POST',
    json: { type: 'demo.sleep', input: { duration_ms: durationMs, steps: 4 } },
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('a crash of the service and its embedded database', () => {
  it('starts again at once on the same DATA_DIR, twice in a row, and so does npm run apikey', async () => {
    const dataDir = tempDataDir();
    let service = await startChildService({ DATA_DIR: dataDir }, 90_000);
    const key = firstKey(service);
    for (let round = 0; round < 2; round++) {
      await submitSleep(service, key, 500);
      await service.crash();
      // Immediately: the killed postmaster may still be dying, or be a zombie not yet reaped.
      service = await startChildService({ DATA_DIR: dataDir }, 90_000);
      expect((await authedFetch(service.url, key)('/v1/jobs')).status).toBe(200);
    }
    await service.crash();
    const apikey = await runNode('src/cli/apikey.ts', ['create', 'after_crash'], { DATA_DIR: dataDir });
    expect(apikey.code, apikey.stderr).toBe(0);
    expect(apikey.stdout.trimEnd().split('\n').at(-1)).toMatch(KEY);
  }, 240_000);

  it('waits, with a log line, while the lock names a process that is still alive, then starts', async () => {
    const dataDir = tempDataDir();
    const first = await startChildService({ DATA_DIR: dataDir }, 90_000);
    expect(await first.terminate()).toBe(0);
    // A lock left by a server that is still dying: its pid lives for another 3 s.
    const { spawn } = await import('node:child_process');
    const { writeFileSync } = await import('node:fs');
    const dying = spawn('sleep', ['3']);
    writeFileSync(join(dataDir, 'pg', 'postmaster.pid'), `${dying.pid}\n${join(dataDir, 'pg')}\n`);
    const again = await startChildService({ DATA_DIR: dataDir }, 90_000);
    expect(again.stderr()).toContain(
      `waiting up to 30 s for the previous PostgreSQL (pid ${dying.pid}) to exit`,
    );
    expect(await again.terminate()).toBe(0);
  }, 180_000);

  it("prints PostgreSQL's own message when the database cannot start", async () => {
    const dataDir = tempDataDir();
    const first = await startChildService({ DATA_DIR: dataDir }, 90_000);
    expect(await first.terminate()).toBe(0);
    // A cluster whose configuration PostgreSQL refuses.
    const pgDir = join(dataDir, 'pg');
    const conf = join(pgDir, 'postgresql.auto.conf');
    mkdirSync(pgDir, { recursive: true });
    const { appendFileSync } = await import('node:fs');
    appendFileSync(conf, "\nshared_buffers = 'not a size'\n");
    const run = await runNode('src/main.ts', [], { DATA_DIR: dataDir, PORT: '0' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /failed to start: PostgreSQL did not start: .*shared_buffers.*contains errors/,
    );
    expect(run.stderr).not.toContain('undefined');
  }, 120_000);
});

describe('Ctrl-C in a terminal (SIGINT to the whole process group)', () => {
  it('stops the service first and the embedded database last, exit 0 and no error lines, while jobs run', async () => {
    const dataDir = tempDataDir();
    const service = await startChildService({ DATA_DIR: dataDir, LOG_LEVEL: 'info' }, 90_000);
    const key = firstKey(service);
    const ids = await Promise.all([1, 2, 3].map(() => submitSleep(service, key, 60_000)));
    await waitFor(async () => {
      const res = await authedFetch(service.url, key)(`/v1/jobs/${ids[0]}`);
      return ((await res.json()) as { status: string }).status === 'running';
    }, 30_000);
    const postmaster = embeddedPostmasterPid(dataDir) as number;
    expect(postmaster).toBeGreaterThan(0);
    service.signalGroup('SIGINT');
    const { code } = await service.exited;
    expect(code).toBe(0);
    const errorLines = service
      .stderr()
      .split('\n')
      .filter((line) => /"level":"error"|terminating connection|could not be stored/.test(line));
    expect(errorLines).toEqual([]);
    expect(isAlive(postmaster)).toBe(false);
  }, 120_000);
});

describe.runIf(process.getuid?.() === 0)('a first start as root', () => {
  it('keeps the cluster where the postgres user can reach it when DATA_DIR sits under a mode 700 directory', async () => {
    const parent = tempDataDir();
    chmodSync(parent, 0o700);
    const dataDir = join(parent, 'checkout', '.data');
    const service = await startChildService({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, 90_000);
    const recorded = JSON.parse(readFileSync(join(dataDir, 'postgres.json'), 'utf8')) as { pgDir?: string };
    expect(recorded.pgDir).toMatch(/^\/var\/lib\/async-jobs\//);
    expect(service.stderr()).toContain('out of reach of the postgres system user');
    expect((await authedFetch(service.url, firstKey(service))('/v1/jobs')).status).toBe(200);
    expect(await service.terminate()).toBe(0);
    // The next start finds the cluster where it was recorded, with the same data.
    const again = await startChildService({ DATA_DIR: dataDir }, 90_000);
    expect(again.stdout()).not.toMatch(/First start/);
    expect(await again.terminate()).toBe(0);
    const { rmSync } = await import('node:fs');
    rmSync(join(recorded.pgDir as string, '..'), { recursive: true, force: true });
  }, 180_000);
});
