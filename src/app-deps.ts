// Everything the HTTP app needs, built by main.ts (or a test) and passed in: no globals.
import type { PgBoss } from 'pg-boss';
import type { Config } from './config.ts';
import type { Sql } from './db/client.ts';
import type { TransactionLanes } from './db/transaction-lanes.ts';
import type { ApiKeyCache } from './identity/api-key-cache.ts';
import type { KeyRevocationWatch } from './identity/key-revocation-watch.ts';
import type { JobTypeRegistry } from './job-types/registry.ts';
import type { JobFeed } from './jobs/job-feed.ts';
import type { OwnedJobReader } from './jobs/owned-job-reader.ts';
import type { SubmitBatcher } from './jobs/submit-batcher.ts';
import type { TerminalHook } from './jobs/terminal-hooks.ts';
import type { Logger } from './observability/logger.ts';
import type { Metrics } from './observability/metrics.ts';
import type { OpenStreams } from './realtime/open-streams.ts';

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
}

export interface AppDeps {
  config: Config;
  sql: Sql;
  apiKeys: ApiKeyCache;
  /** Ends streams and sockets whose API key gets revoked. */
  keyRevocations: KeyRevocationWatch;
  boss: PgBoss;
  feed: JobFeed;
  /** Reads polled jobs, many polls to a statement under load. */
  jobReader: OwnedJobReader;
  registry: JobTypeRegistry;
  log: Logger;
  metrics: Metrics;
  terminalHooks: readonly TerminalHook[];
  submitBatcher?: SubmitBatcher;
  /** Transaction lanes for batch submits (POST /v1/jobs/batch). */
  batchLanes?: TransactionLanes;
  /** An owner has a backlog: refreshes the submit statements' planner statistics when stale. */
  onSubmitBacklog?: () => void;
  /** Open SSE streams: the per-owner cap, and closed by the service's stop(). */
  streams: OpenStreams;
  /** Aborts when the service starts stopping: held long-polls answer at once with what they have. */
  stopping: AbortSignal;
  checkCallbackUrl(url: string): Promise<string | undefined>;
  readiness(): Promise<Readiness>;
}
