// The lock PostgreSQL keeps in its data directory (postmaster.pid): after a crash it may still
// name a postmaster that is dying, or dead but not yet reaped (a zombie), and PostgreSQL then
// refuses to start. This waits such a lock out, and removes it once its owner is gone for good
// and no process of the old server is still attached to its shared memory.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export type ProcessState = 'running' | 'zombie' | 'gone';

/** What /proc says about a pid: a zombie has exited but still holds its pid until reaped. */
export function processState(pid: number): ProcessState {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'running' : 'gone';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..." — the state letter follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X' ? 'zombie' : 'running';
  } catch {
    return 'running'; // no /proc (not Linux): trust kill(pid, 0)
  }
}

interface LockFile {
  pid: number;
  /** The System V shared memory id of the old server (line 7: "key id"), when recorded. */
  shmId: number | undefined;
}

export function readLockFile(pgDir: string): LockFile | undefined {
  const file = join(pgDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const shm = (lines[6] ?? '').trim().split(/\s+/);
  const shmId = shm.length === 2 ? Number.parseInt(shm[1] ?? '', 10) : Number.NaN;
  return { pid, shmId: Number.isInteger(shmId) ? shmId : undefined };
}

/** Processes still attached to a System V segment (PostgreSQL's own "still in use" test). */
function shmAttachments(shmId: number): number {
  try {
    for (const line of readFileSync('/proc/sysvipc/shm', 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (Number(cols[1]) === shmId) return Number(cols[6]);
    }
  } catch {
    // no /proc/sysvipc: let PostgreSQL decide
  }
  return 0;
}

/**
 * Waits (up to timeoutMs) until the lock names no live postmaster. A zombie's lock is removed
 * once nothing is attached to its shared memory; a plain dead pid is left to PostgreSQL, which
 * clears it itself. Returns whether it had to wait; throws when the old server outlives the bound.
 */
export async function waitOutStaleLock(
  pgDir: string,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let waited = false;
  for (;;) {
    const lock = readLockFile(pgDir);
    if (!lock) return waited;
    const state = processState(lock.pid);
    if (state === 'gone' && (lock.shmId === undefined || shmAttachments(lock.shmId) === 0)) return waited;
    if (state === 'zombie' && (lock.shmId === undefined || shmAttachments(lock.shmId) === 0)) {
      // PostgreSQL's kill(pid, 0) test sees a zombie as alive and would refuse forever.
      rmSync(join(pgDir, 'postmaster.pid'), { force: true });
      return waited;
    }
    if (!waited) {
      log(
        `waiting up to ${Math.round(timeoutMs / 1000)} s for the previous PostgreSQL (pid ${lock.pid}) to exit`,
      );
      waited = true;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `PostgreSQL (pid ${lock.pid}) still holds ${join(pgDir, 'postmaster.pid')} after ${Math.round(timeoutMs / 1000)} s; stop it, or remove that file if no such server runs`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
