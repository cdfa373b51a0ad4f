// Prometheus metrics (prom-client): HTTP traffic, job outcomes, open streams, process defaults.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  jobsSubmitted: Counter<'type'>;
  jobsFinished: Counter<'type' | 'status'>;
  callbackAttempts: Counter<'outcome'>;
}

/** Gauges read at scrape time from the process (open streams) and the database (backlog). */
export function registerLiveGauges(
  metrics: Metrics,
  sources: { openStreams(): number; openSockets(): number; activeJobs(): Promise<Record<string, number>> },
): void {
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
    help: 'Jobs queued or running, all owners (the backlog)',
    labelNames: ['status'],
    registers: [metrics.registry],
    async collect() {
      const counts = await sources.activeJobs();
      for (const status of ['queued', 'running']) this.set({ status }, counts[status] ?? 0);
    },
  });
}

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
  };
}
