// The last word of a process that hits an error nobody handled: one JSON log line (the same shape
// as every other line, so log pipelines keep it) instead of Node's multi-line dump, then exit 1 as
// Node would — state after such an error is unknown, and a supervisor restarts us cleanly.
import type { Logger } from './logger.ts';

/**
 * postgres.js 3.4.x schedules small writes with setImmediate; when the server closes the
 * connection first (a restart, an outage) the write runs on a null socket and throws where no
 * caller can catch it (porsager/postgres#1154, #1208; fixes not yet released). The connection's
 * queries were already rejected with CONNECTION_CLOSED by then, so nothing is lost: survive it.
 */
export function isDriverWriteAfterClose(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    error.message === "Cannot read properties of null (reading 'write')" &&
    /\bnextWrite\b[^\n]*postgres[\\/]src[\\/]connection\.js/.test(error.stack ?? '')
  );
}

export function exitOnUnhandledErrors(log: Logger): void {
  const die = (kind: string) => (error: unknown) => {
    if (isDriverWriteAfterClose(error)) {
      log.warn('database connection closed during a write (postgres.js #1154); continuing', {
        error: String(error),
      });
      return;
    }
    log.error(kind, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  };
  process.on('uncaughtException', die('uncaught exception'));
  process.on('unhandledRejection', die('unhandled rejection'));
}
