// Everything the HTTP app needs, built by main.ts (or a test) and passed in: no globals.
import type { PgBoss } from 'pg-boss';
import type { Config } from './config';
import type { Sql } from './db/client';
import type { ApiKeyCache } from './identity/api-key-cache';
import type { JobTypeRegistry } from './job-types/registry';
import type { JobFeed } from './jobs/job-feed';
import type { SubmitBatcher } from './jobs/submit-batcher';
import type { TerminalHook } from './jobs/terminal-hooks';
import type { Logger } from './observability/logger';
import type { Metrics } from './observability/metrics';
import type { OpenStreams } from './realtime/open-streams';

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
}

export interface AppDeps {
  config: Config;
  sql: Sql;
  apiKeys: ApiKeyCache;
  boss: PgBoss;
  feed: JobFeed;
  registry: JobTypeRegistry;
  log: Logger;
  metrics: Metrics;
  terminalHooks: readonly TerminalHook[];
  submitBatcher?: SubmitBatcher;
  /** Open SSE streams: the per-owner cap, and closed by the service's stop(). */
  streams: OpenStreams;
  /** Aborts when the service starts stopping: held long-polls answer at once with what they have. */
  stopping: AbortSignal;
  checkCallbackUrl(url: string): Promise<string | undefined>;
  readiness(): Promise<Readiness>;
}
