// Runs the embedded PostgreSQL server binary in its own session (setsid), so a terminal's Ctrl-C,
// which signals the whole foreground process group, reaches the service but not its database:
// the service stops the database itself, last. A failed start reports PostgreSQL's own words.
import { type ChildProcess, spawn } from 'node:child_process';

/** The tail of the server's stderr kept for error messages. */
const STDERR_TAIL_BYTES = 4096;

export interface PostgresProcess {
  pid: number;
  /** Fast shutdown (SIGINT: roll back open transactions, checkpoint, exit); waits for the exit. */
  stop(): Promise<void>;
}

export interface PostgresLaunch {
  binary: string;
  pgDir: string;
  port: number;
  flags: string[];
  /** Run as this user (root cannot run PostgreSQL). */
  ids?: { uid: number; gid: number };
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Resolves once the server accepts connections; rejects with its last stderr lines if it exits. */
export function launchPostgres(launch: PostgresLaunch): Promise<PostgresProcess> {
  const child = spawn(launch.binary, ['-D', launch.pgDir, '-p', String(launch.port), ...launch.flags], {
    ...launch.ids,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    // The ready line below is matched in English.
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  let tail = '';
  let ready = false;
  const exited = exitOf(child);
  // A process that exits while the service runs (an uncaught error, process.exit) still takes
  // its database down: the 'exit' hook may only do synchronous work, and a signal is enough.
  const stopOnExit = () => {
    try {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGINT');
    } catch {
      // already gone
    }
  };
  process.on('exit', stopOnExit);
  void exited.then(() => process.off('exit', stopOnExit));

  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`could not run ${launch.binary}: ${error.message}`)));
    // Always read stderr: a full pipe would block the server's logging, and with it the server.
    child.stderr?.on('data', (chunk: Buffer) => {
      if (ready) return;
      tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
      if (tail.includes('database system is ready to accept connections')) {
        ready = true;
        resolve({
          pid: child.pid as number,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
            await exited;
          },
        });
      }
    });
    void exited.then(() => {
      if (ready) return;
      // "2026-… UTC [123] FATAL:  …": PostgreSQL's last words, without the timestamp and pid.
      const lines = tail
        .split('\n')
        .map((l) => l.replace(/^\S+ \S+ \S+ \[\d+\] /, '').trim())
        .filter(Boolean);
      const reason = lines.slice(-3).join(' / ') || `exit code ${child.exitCode ?? child.signalCode}`;
      reject(new PostgresStartError(`PostgreSQL did not start: ${reason}`, tail));
    });
  });
}

export class PostgresStartError extends Error {
  readonly output: string;
  constructor(message: string, output: string) {
    super(message);
    this.name = 'PostgresStartError';
    this.output = output;
  }
}
