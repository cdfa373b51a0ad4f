// The service's configuration, read once from the environment and validated up front:
// a bad value stops the process with one line naming the variable.
import { z } from 'zod';

const seconds = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const ConfigSchema = z.object({
  DATABASE_URL: z.url().optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  PUBLIC_BASE_URL: z.url().optional(),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(64),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  MAX_ACTIVE_JOBS_PER_OWNER: z.coerce.number().int().min(1).default(1000),
  // Items per POST /v1/jobs/batch; MAX_BODY_BYTES still bounds the request.
  MAX_BATCH_JOBS: z.coerce.number().int().min(1).max(100_000).default(1000),
  RESULT_TTL_SECONDS: seconds(7 * 24 * 3600),
  JOB_TTL_SECONDS: seconds(30 * 24 * 3600),
  IDEMPOTENCY_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(24 * 3600)
    .default(24 * 3600),
  CALLBACK_TIMEOUT_MS: z.coerce.number().int().min(1).default(10_000),
  CALLBACK_RETRY_SCHEDULE: z
    .string()
    .default('5,300,1800,7200,18000,36000,36000')
    .transform((v, ctx) => {
      const parts = v.split(',').map((s) => Number(s.trim()));
      if (parts.some((n) => !Number.isFinite(n) || n < 0)) {
        ctx.addIssue({ code: 'custom', message: 'must be comma-separated non-negative seconds' });
        return z.NEVER;
      }
      return parts;
    }),
  CALLBACK_ALLOW_HTTP: bool(false),
  CALLBACK_ALLOWLIST: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  WEBHOOK_SECRET_OVERLAP_SECONDS: seconds(24 * 3600),
  WEBHOOK_SECRET_ENCRYPTION_KEY: z.string().min(16).optional(),
  SSE_MAX_STREAMS_PER_OWNER: z.coerce.number().int().min(1).default(1000),
  // WebSocket channel (GET /v1/ws): RFC 6455 ping interval, first-message auth deadline, per-connection cap.
  WS_PING_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  WS_AUTH_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  WS_MAX_SUBSCRIPTIONS: z.coerce.number().int().min(1).default(100),
  // Bounds on what clients can make the process hold: sockets per owner, sockets not yet
  // authenticated (process-wide), and bytes of received messages waiting to be handled per socket
  // (past it the socket is paused: TCP backpressure) or of sent messages the client has not read
  // (past it the socket is closed with 1008).
  WS_MAX_CONNECTIONS_PER_OWNER: z.coerce.number().int().min(1).default(100),
  WS_MAX_UNAUTHENTICATED: z.coerce.number().int().min(1).default(1000),
  WS_MAX_PENDING_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 * 1024),
  WS_MAX_UNREAD_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  // When set, GET /metrics wants `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise).
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Parses the environment; throws an Error whose message is one line naming the first bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = ConfigSchema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    throw new Error(`invalid configuration: ${name} ${issue?.message ?? 'is invalid'}`);
  }
  return result.data;
}
