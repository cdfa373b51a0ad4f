// Which errors mean "the database is not reachable right now" (an outage, a restart, a failover)
// rather than a bug: those become 503 + Retry-After for clients, and are retried by background
// work, instead of a 500.
/** Node socket errors on the way to the server. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** postgres.js's own codes for a connection that could not be made or was lost. */
const DRIVER_CODES = new Set([
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);
/**
 * SQLSTATEs (PostgreSQL appendix A): class 08 connection exceptions; 57P01–57P03 the server is
 * shutting down, crashed or starting; 53300 too many connections; 25006 read-only transaction
 * (a standby after a failover).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-3]|53300|25006)$/;

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const { code, message, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || DRIVER_CODES.has(code))) return true;
  if (typeof code === 'string' && UNAVAILABLE_SQLSTATE.test(code)) return true;
  // node-postgres (pg-boss's driver) says this without a code.
  if (typeof message === 'string' && /Connection terminated|connection timeout/i.test(message)) return true;
  if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}
