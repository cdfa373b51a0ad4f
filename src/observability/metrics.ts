// Prometheus metrics (prom-client): HTTP traffic, job outcomes and timings, open streams, process
// defaults. A scrape costs no SQL most of the time: the one database-backed gauge (the backlog) is
// cached for BACKLOG_CACHE_MS, so scrapers at any rate add at most one count query per interval.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  jobsSubmitted: Counter<'type'>;
  jobsFinished: Counter<'type' | 'status'>;
  callbackAttempts: Counter<'outcome'>;
  /** WebSockets paused because their received messages outran handling (backpressure engaged). */
  websocketPauses: Counter;
  /** Seconds from submit to the job's first start, per type (observed when the job finishes). */
  jobQueueWait: Histogram<'type'>;
  /** Seconds from the job's first start to its terminal status, per type and status. */
  jobRunTime: Histogram<'type' | 'status'>;
}

export const BACKLOG_CACHE_MS = 5000;

/** `read` at most once per `maxAgeMs`; concurrent callers share one read. */
export function cacheFor<T>(maxAgeMs: number, read: () => Promise<T>): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = performance.now();
    if (!cached || now - cached.at > maxAgeMs) {
      const value = read();
      cached = { at: now, value };
      // A failed read is not kept: the next scrape tries again.
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
    }
    return cached.value;
  };
}

/** Gauges read at scrape time from the process (open streams) and the database (backlog). */
export function registerLiveGauges(
  metrics: Metrics,
  sources: { openStreams(): number; openSockets(): number; activeJobs(): Promise<Record<string, number>> },
): void {
  const activeJobs = cacheFor(BACKLOG_CACHE_MS, sources.activeJobs);
  new Gauge({
    name: 'open_streams',
    help: 'Open SSE streams and WebSocket connections in this process',
    labelNames: ['kind'],
    registers: [metrics.registry],
    collect() {
      this.set({ kind: 'sse' }, sources.openStreams());
      this.set({ kind: 'websocket' }, sources.openSockets());
    },
  });
  new Gauge({
    name: 'jobs_active',
    help: `Jobs queued or running, all owners (the backlog; read at most every ${BACKLOG_CACHE_MS / 1000} s)`,
    labelNames: ['status'],
    registers: [metrics.registry],
    async collect() {
      const counts = await activeJobs();
      for (const status of ['queued', 'running']) this.set({ status }, counts[status] ?? 0);
    },
  });
}

// Jobs run from milliseconds (demo.sleep 0) to hours (a 2 h report): a wide, coarse range.
const JOB_SECONDS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400];

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer HTTP requests',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
      registers: [registry],
    }),
    jobsSubmitted: new Counter({
      name: 'jobs_submitted_total',
      help: 'Jobs accepted',
      labelNames: ['type'],
      registers: [registry],
    }),
    jobsFinished: new Counter({
      name: 'jobs_finished_total',
      help: 'Jobs that reached a terminal status in this process',
      labelNames: ['type', 'status'],
      registers: [registry],
    }),
    callbackAttempts: new Counter({
      name: 'callback_attempts_total',
      help: 'Callback delivery attempts by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    websocketPauses: new Counter({
      name: 'websocket_backpressure_pauses_total',
      help: 'Times a WebSocket stopped being read because its unhandled messages passed WS_MAX_PENDING_BYTES',
      registers: [registry],
    }),
    jobQueueWait: new Histogram({
      name: 'job_queue_wait_seconds',
      help: 'Time from submit to the first start of a job, observed when it finishes',
      labelNames: ['type'],
      buckets: JOB_SECONDS_BUCKETS,
      registers: [registry],
    }),
    jobRunTime: new Histogram({
      name: 'job_run_seconds',
      help: 'Time from the first start of a job to its terminal status (retries included)',
      labelNames: ['type', 'status'],
      buckets: JOB_SECONDS_BUCKETS,
      registers: [registry],
    }),
  };
}
