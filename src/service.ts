// Assembles a running service from a Config and a database URL: pool, queue, feed, workers and
// HTTP server per ROLE, and the ordered stop. main.ts and the tests both start it through here.
import type { Server } from 'node:http';
import { type ServerType, serve } from '@hono/node-server';
import type { PgBoss } from 'pg-boss';
import { createApp } from './app.ts';
import type { AppDeps } from './app-deps.ts';
import type { Config } from './config.ts';
import { createSql } from './db/client.ts';
import { countAppliedMigrations, expectedMigrationCount, migrateDatabase } from './db/migrate.ts';
import { TableStatistics } from './db/table-statistics.ts';
import { TransactionLanes } from './db/transaction-lanes.ts';
import { ApiKeyCache } from './identity/api-key-cache.ts';
import { KeyRevocationWatch } from './identity/key-revocation-watch.ts';
import type { AnyJobType } from './job-types/define-job-type.ts';
import { createRegistry } from './job-types/registry.ts';
import { JobFeed } from './jobs/job-feed.ts';
import { OwnedJobReader } from './jobs/owned-job-reader.ts';
import { SubmitBatcher } from './jobs/submit-batcher.ts';
import type { TerminalHook } from './jobs/terminal-hooks.ts';
import { createJobTimingHook } from './observability/job-timings.ts';
import type { Logger } from './observability/logger.ts';
import { createMetrics, registerLiveGauges } from './observability/metrics.ts';
import { createBoss, ensureQueues } from './queue/queue.ts';
import { OpenStreams } from './realtime/open-streams.ts';
import { attachWebSocketChannel, type WebSocketChannel } from './realtime/ws-server.ts';
import { createMessageSubmitter } from './routes/jobs/submit-message.ts';
import { createCallbackHook } from './webhooks/callback-hook.ts';
import { checkCallbackUrl, type Resolver, systemResolver } from './webhooks/destination.ts';
import { CALLBACK_QUEUE, type Dispatcher, startDispatcher } from './webhooks/dispatcher.ts';
import { createSecretCipher } from './webhooks/secret-cipher.ts';
import { startStalledCallbackRescuer } from './webhooks/stalled-callback-rescuer.ts';
import { startLostJobRescuer } from './worker/lost-job-rescuer.ts';
import { startRetentionSweeper } from './worker/retention-sweeper.ts';
import { startWorkers, type Workers } from './worker/workers.ts';

const READINESS_TIMEOUT_MS = 3000;
/**
 * Slow clients cannot hold a connection for free (slowloris): the headers must arrive within
 * 10 s and the whole request (headers and body) within 30 s, checked every second; answers,
 * streams and long-polls are not limited by these.
 */
const SERVER_TIMEOUTS = { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1000 };

/** The promise's value, or `fallback` if it takes longer than ms. */
function withinMs<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export interface ServiceOptions {
  config: Config;
  databaseUrl: string;
  log: Logger;
  jobTypes?: readonly AnyJobType[];
  /** DNS for callback URLs; tests inject one to play rebinding. */
  resolver?: Resolver;
}

export interface RunningService {
  /** Base URL of the HTTP server (when ROLE runs the API). */
  url: string | undefined;
  deps: AppDeps;
  /** The WebSocket channel on GET /v1/ws (when ROLE runs the API). */
  webSockets: WebSocketChannel | undefined;
  stop(): Promise<void>;
}

export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config, databaseUrl, log } = options;
  await migrateDatabase(databaseUrl);
  const sql = createSql(databaseUrl, { max: 10 });
  // One connection per group-commit batch in flight (SubmitBatcher's maxInFlight).
  const submitLanes = new TransactionLanes(databaseUrl, 2);
  // Batch submits (POST /v1/jobs/batch) on lanes of their own: a batch of 1,000 holds its lane
  // for 40–200 ms, and single submits waiting behind it would wait that long for their 202.
  // Measured with batches of 100 on four connections, four lanes did no better than two. A lane
  // connects when first used.
  const batchLanes = new TransactionLanes(databaseUrl, 2);
  // Claims and progress of attempts: no WAL flush to wait for (see SqlOptions.durableCommits).
  const relaxedSql = createSql(databaseUrl, { max: 4, durableCommits: false, customPlans: true });
  const registry = createRegistry(options.jobTypes);
  const boss: PgBoss = createBoss(databaseUrl, log);
  await boss.start();
  await ensureQueues(boss, registry.values(), [CALLBACK_QUEUE]);
  const feed = new JobFeed(sql, (error) => log.warn('job feed error', { error: String(error) }));
  await feed.start();
  const apiKeys = new ApiKeyCache(sql);
  const stopApiKeyCache = await apiKeys.start();
  const keyRevocations = new KeyRevocationWatch(sql);
  const stopRevocationWatch = keyRevocations.start();
  apiKeys.onRevocation(() => void keyRevocations.check());

  const resolver = options.resolver ?? systemResolver;
  const callbackPolicy = { allowHttp: config.CALLBACK_ALLOW_HTTP, allowlist: config.CALLBACK_ALLOWLIST };
  const metrics = createMetrics();
  const terminalHooks: TerminalHook[] = [
    createJobTimingHook(metrics),
    createCallbackHook({
      boss,
      publicBaseUrl: config.PUBLIC_BASE_URL,
      timeoutMs: config.CALLBACK_TIMEOUT_MS,
    }),
  ];
  // Placement's read of an owner's queued jobs needs statistics that know the backlog, on an API
  // process too (write-jobs.ts takeSlotsAndBounds); a worker process refreshes its own.
  const submitStatistics = new TableStatistics({
    sql,
    probes: async () => [{ table: 'jobs', where: `status = 'queued'` }],
    onError: (error) => log.warn('statistics refresh failed', { error: String(error) }),
  });
  const onSubmitBacklog = () => submitStatistics.backlogSeen();
  const runsApi = config.ROLE !== 'worker';
  const runsWorkers = config.ROLE !== 'api';
  let workers: Workers | undefined;
  let dispatcher: Dispatcher | undefined;
  const stopSignal = new AbortController();

  const deps: AppDeps = {
    config,
    sql,
    apiKeys,
    keyRevocations,
    boss,
    feed,
    jobReader: new OwnedJobReader(sql, config.JOB_TTL_SECONDS),
    registry,
    log,
    metrics,
    terminalHooks,
    submitBatcher: new SubmitBatcher({
      sql,
      lanes: submitLanes,
      boss,
      maxActivePerOwner: config.MAX_ACTIVE_JOBS_PER_OWNER,
      onBacklog: onSubmitBacklog,
    }),
    onSubmitBacklog,
    batchLanes,
    streams: new OpenStreams(config.SSE_MAX_STREAMS_PER_OWNER),
    stopping: stopSignal.signal,
    checkCallbackUrl: (url) => checkCallbackUrl(url, callbackPolicy, resolver),
    readiness: async () => {
      // Bounded: during an outage /readyz answers 503 at once rather than wait for a connection.
      const database = await withinMs(
        sql`select 1`.then(
          () => true,
          () => false,
        ),
        READINESS_TIMEOUT_MS,
        false,
      );
      const migrations =
        database &&
        (await countAppliedMigrations(sql).then(
          (n) => n >= expectedMigrationCount(),
          () => false,
        ));
      const checks = { database, migrations, workers: !runsWorkers || workers !== undefined };
      return { ready: Object.values(checks).every(Boolean), checks };
    },
  };

  const stopBackground: Array<() => void> = [];
  if (runsWorkers) {
    stopBackground.push(
      startRetentionSweeper(sql, config, log),
      startLostJobRescuer(sql, terminalHooks, log),
      startStalledCallbackRescuer(sql, boss, log),
    );
    workers = await startWorkers({
      sql,
      relaxedSql,
      boss,
      feed,
      registry,
      log,
      terminalHooks,
      concurrency: config.WORKER_CONCURRENCY,
      onFinished: (type, status) => metrics.jobsFinished.inc({ type, status }),
      alsoWake: [CALLBACK_QUEUE],
    });
    dispatcher = await startDispatcher({
      sql,
      boss,
      log,
      cipher: createSecretCipher(config.WEBHOOK_SECRET_ENCRYPTION_KEY),
      resolver,
      policy: callbackPolicy,
      retrySchedule: config.CALLBACK_RETRY_SCHEDULE,
      timeoutMs: config.CALLBACK_TIMEOUT_MS,
      concurrency: config.WORKER_CONCURRENCY,
      onAttempt: (outcome) => metrics.callbackAttempts.inc({ outcome }),
    });
  }

  let server: ServerType | undefined;
  let url: string | undefined;
  let webSockets: WebSocketChannel | undefined;
  if (runsApi) {
    const app = createApp(deps);
    server = await new Promise<ServerType>((resolve) => {
      const s = serve(
        { fetch: app.fetch, port: config.PORT, hostname: config.HOST, serverOptions: SERVER_TIMEOUTS },
        () => resolve(s),
      );
    });
    webSockets = attachWebSocketChannel(server as Server, deps, createMessageSubmitter(deps));
    const sockets = webSockets;
    registerLiveGauges(metrics, {
      openStreams: () => deps.streams.size,
      openSockets: () => sockets.connectionCount,
      activeJobs: async () => {
        const rows = await sql<{ status: string; n: number }[]>`
          select status, count(*)::int as n from jobs where status in ('queued', 'running') group by status`;
        return Object.fromEntries(rows.map((r) => [r.status, r.n]));
      },
    });
    const address = server.address();
    if (address && typeof address === 'object') {
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
    }
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      // Each step runs even if an earlier one failed (the database may already be gone, e.g. an
      // embedded PostgreSQL that got the same Ctrl-C); the first failure is reported at the end.
      const failures: unknown[] = [];
      const step = async (work: () => unknown) => {
        try {
          await work();
        } catch (error) {
          failures.push(error);
        }
      };
      // 1. stop taking requests and let in-flight ones finish (held long-polls answer now)
      stopSignal.abort();
      if (server) {
        const s = server;
        const closed = new Promise<void>((resolve) => s.close(() => resolve()));
        // Event streams never end on their own: close them, or server.close() waits forever.
        deps.streams.closeAll();
        await step(() => webSockets?.close());
        await closed;
      }
      for (const stopTimer of stopBackground) stopTimer();
      stopRevocationWatch();
      // 2. stop the workers: running jobs get up to 20 s to finish, then go back to the queue
      await step(() => workers?.stop());
      await step(() => dispatcher?.stop());
      await step(() => boss.stop({ graceful: true, timeout: 20_000 }));
      await step(() => feed.stop());
      await step(() => stopApiKeyCache());
      await step(() => sql.end({ timeout: 5 }));
      await step(() => submitLanes.end({ timeout: 5 }));
      await step(() => batchLanes.end({ timeout: 5 }));
      await step(() => relaxedSql.end({ timeout: 5 }));
      if (failures.length > 0) throw failures[0];
    })();
    return stopping;
  };

  return { url, deps, webSockets, stop };
}
