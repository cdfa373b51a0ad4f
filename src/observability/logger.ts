// The service's logger: pino underneath (one JSON line per record, warn and error on stderr, the
// rest on stdout; pino-pretty when stdout is a terminal), behind the small interface the rest of
// the code calls. Secrets that end up in fields by mistake are censored by path (REDACTED_PATHS);
// callers still never pass them.
import { Writable } from 'node:stream';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import pinoPretty from 'pino-pretty';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

// Field names that may hold a credential, at the top level and one level down (pino's redaction
// has no recursive wildcard; our records are flat, headers objects are one level down).
const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'set-cookie',
  'key',
  'api_key',
  'apiKey',
  'token',
  'admin_token',
  'secret',
  'secrets',
  'webhook_secret',
  'password',
];
export const REDACTED_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*["${f}"]`)];

export interface LoggerOptions {
  /** Where lines go; default stdout (pretty when it is a terminal). Tests pass a collector. */
  destination?: DestinationStream;
  /** Force pino-pretty on or off; default: on when stdout is a TTY. */
  pretty?: boolean;
}

export function createLogger(
  level: LogLevel = 'info',
  base: Record<string, unknown> = {},
  options: LoggerOptions = {},
): Logger {
  const pretty = options.pretty ?? (options.destination === undefined && process.stdout.isTTY === true);
  const destination = pretty
    ? pinoPretty({
        colorize: options.destination === undefined,
        sync: true,
        ...(options.destination ? { destination: options.destination } : {}),
      })
    : (options.destination ?? standardStreams());
  const root = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
  return wrap(Object.keys(base).length > 0 ? root.child(base) : root);
}

/**
 * debug/info lines on stdout, warn/error lines on stderr (as before pino): an operator can split
 * them, and a process that fails at start says why on stderr. dedupe: each line goes to one stream.
 */
function standardStreams(): DestinationStream {
  return pino.multistream(
    [
      { level: 'debug', stream: pino.destination({ fd: 1, sync: true }) },
      { level: 'warn', stream: pino.destination({ fd: 2, sync: true }) },
    ],
    { dedupe: true },
  );
}

/** Error values under `error` or `err` become pino's `err` (type, message, stack). */
function normalize(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!fields) return {};
  const { error, ...rest } = fields;
  if (error instanceof Error) return { ...rest, err: error };
  return error === undefined ? rest : { ...rest, error };
}

function wrap(p: PinoLogger): Logger {
  return {
    debug: (message, fields) => p.debug(normalize(fields), message),
    info: (message, fields) => p.info(normalize(fields), message),
    warn: (message, fields) => p.warn(normalize(fields), message),
    error: (message, fields) => p.error(normalize(fields), message),
    child: (fields) => wrap(p.child(fields)),
  };
}

/**
 * A child logger made on first use. pino's child() serialises and redacts its fields at once,
 * which a worker paid for every job it ran (about 1 % of the process's time under load) though
 * most attempts never log.
 */
export function lazyChild(parent: Logger, fields: Record<string, unknown>): Logger {
  let made: Logger | undefined;
  const get = () => {
    made ??= parent.child(fields);
    return made;
  };
  return {
    debug: (message, more) => get().debug(message, more),
    info: (message, more) => get().info(message, more),
    warn: (message, more) => get().warn(message, more),
    error: (message, more) => get().error(message, more),
    child: (more) => lazyChild(get(), more),
  };
}

/** A destination that keeps every record parsed, for tests that read what was logged. */
export function createLogCollector(): { destination: DestinationStream; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) records.push(JSON.parse(line));
      done();
    },
  });
  return { destination: destination as unknown as DestinationStream, records };
}
