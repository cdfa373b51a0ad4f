// The last word of a process that hits an error nobody handled: one JSON log line (the same shape
// as every other line, so log pipelines keep it) instead of Node's multi-line dump, then exit 1 as
// Node would — state after such an error is unknown, and a supervisor restarts us cleanly.
import type { Logger } from './logger.ts';

export function exitOnUnhandledErrors(log: Logger): void {
  const die = (kind: string) => (error: unknown) => {
    log.error(kind, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  };
  process.on('uncaughtException', die('uncaught exception'));
  process.on('unhandledRejection', die('unhandled rejection'));
}
