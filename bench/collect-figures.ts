// Turns what the scenarios measured into the table's rows, with each figure's baseline and the
// target from issue #6. A figure that was not measured (a scenario failed, a route is missing)
// still gets its row, saying why.
import type { CallbackFigures } from './scenarios/callback-deliveries.ts';
import type { EndToEnd } from './scenarios/end-to-end.ts';
import type { Pickup } from './scenarios/pickup-latency.ts';
import type { SseFigures } from './scenarios/sse-streams.ts';
import type { StatusPollFigures } from './scenarios/status-polls.ts';
import type { Figure } from './support/figure-table.ts';

export interface Measured {
  rssIdle?: number;
  rssLoad?: number;
  status?: StatusPollFigures;
  submitAll?: number;
  submitApi?: number;
  diagManyOwners?: number;
  diagAsyncCommit?: number;
  diagAsyncCommitInsert?: number;
  insertBaseline?: number;
  e2eFlood?: EndToEnd;
  rawFlood?: EndToEnd;
  e2eRate?: EndToEnd;
  rawRate?: EndToEnd;
  pickupInProcess?: Pickup;
  pickupWorkerProcess?: Pickup;
  pickupPolling?: Pickup;
  sse?: SseFigures;
  callbacks?: CallbackFigures;
}

const NOT_RUN = 'not measured';
const MISSING = 'n/a (route missing)';
const atLeast = (n: number) => (ours: number) => ours >= n;
const atMost = (n: number) => (ours: number) => ours <= n;

export function collectFigures(m: Measured, settings: { floodSeconds: number; rate: number }): Figure[] {
  const insert =
    m.insertBaseline === undefined ? undefined : { name: 'Hono + INSERT 202', value: m.insertBaseline };
  const submitTarget = {
    text: '≥ 5,000 req/s and ≥ 0.5× baseline',
    met: (ours: number, base: number | undefined) =>
      ours >= 5000 && (base === undefined || ours >= 0.5 * base),
  };
  const pkSelect = m.status ? { name: 'Hono + PK SELECT', value: m.status.baseline } : undefined;
  const pollTarget = {
    text: '≥ 0.75× baseline',
    met: (ours: number, base: number | undefined) => base !== undefined && ours >= 0.75 * base,
  };
  const raw = (e: EndToEnd | undefined, pick: (e: EndToEnd) => number) =>
    e ? { name: 'raw pg-boss send + work', value: pick(e) } : undefined;
  const polling = (pick: (p: Pickup) => number) =>
    m.pickupPolling
      ? { name: 'pg-boss default polling, no NOTIFY', value: pick(m.pickupPolling) }
      : undefined;
  const sse = m.sse === undefined ? NOT_RUN : m.sse.available ? m.sse : MISSING;
  const callbacks = m.callbacks === undefined ? NOT_RUN : m.callbacks.available ? m.callbacks : MISSING;

  return [
    {
      name: 'Submit throughput, API only (ROLE=api), 50 conns',
      unit: 'req/s',
      ours: m.submitApi ?? NOT_RUN,
      baseline: insert,
      target: submitTarget,
    },
    {
      name: 'Diagnostic: submit, ROLE=api, 50 owners round-robin',
      unit: 'req/s',
      ours: m.diagManyOwners ?? NOT_RUN,
      baseline: insert,
    },
    {
      name: 'Diagnostic: submit, ROLE=api, synchronous_commit=off',
      unit: 'req/s',
      ours: m.diagAsyncCommit ?? NOT_RUN,
      baseline:
        m.diagAsyncCommitInsert === undefined
          ? undefined
          : { name: 'Hono + INSERT, synchronous_commit=off', value: m.diagAsyncCommitInsert },
    },
    {
      name: 'Submit throughput, API + workers in one process, 50 conns',
      unit: 'req/s',
      ours: m.submitAll ?? NOT_RUN,
      baseline: insert,
      target: submitTarget,
    },
    {
      name: `End to end, ${settings.floodSeconds} s of submits at 50 conns: completed`,
      unit: 'jobs/s',
      ours: m.e2eFlood?.jobsPerSecond ?? NOT_RUN,
      baseline: raw(m.rawFlood, (e) => e.jobsPerSecond),
      target: { text: '≥ 3,000 jobs/s', met: atLeast(3000) },
    },
    {
      name: `End to end at ${settings.rate.toLocaleString('en-US')} jobs/s offered: completed`,
      unit: 'jobs/s',
      ours: m.e2eRate?.jobsPerSecond ?? NOT_RUN,
      baseline: raw(m.rawRate, (e) => e.jobsPerSecond),
    },
    {
      name: `Submit→succeeded p50 at ${settings.rate.toLocaleString('en-US')} jobs/s offered`,
      unit: 'ms',
      ours: m.e2eRate?.p50Ms ?? NOT_RUN,
      baseline: raw(m.rawRate, (e) => e.p50Ms),
    },
    {
      name: `Submit→succeeded p99 at ${settings.rate.toLocaleString('en-US')} jobs/s offered`,
      unit: 'ms',
      ours: m.e2eRate?.p99Ms ?? NOT_RUN,
      baseline: raw(m.rawRate, (e) => e.p99Ms),
      target: { text: '≤ 250 ms (at 1,000 jobs/s)', met: atMost(250) },
    },
    {
      name: 'Submit→handler-start p50, idle, worker in-process',
      unit: 'ms',
      ours: m.pickupInProcess?.p50Ms ?? NOT_RUN,
      baseline: polling((p) => p.p50Ms),
      target: { text: '≤ 10 ms', met: atMost(10) },
    },
    {
      name: 'Submit→handler-start p99, idle, worker in-process',
      unit: 'ms',
      ours: m.pickupInProcess?.p99Ms ?? NOT_RUN,
      baseline: polling((p) => p.p99Ms),
      target: { text: '≤ 50 ms', met: atMost(50) },
    },
    {
      name: 'Submit→handler-start p50, idle, ROLE=worker process',
      unit: 'ms',
      ours: m.pickupWorkerProcess?.p50Ms ?? NOT_RUN,
      baseline: polling((p) => p.p50Ms),
      target: { text: '≤ 10 ms', met: atMost(10) },
    },
    {
      name: 'Submit→handler-start p99, idle, ROLE=worker process',
      unit: 'ms',
      ours: m.pickupWorkerProcess?.p99Ms ?? NOT_RUN,
      baseline: polling((p) => p.p99Ms),
      target: { text: '≤ 50 ms', met: atMost(50) },
    },
    {
      name: 'Status polls, 200 path, 50 conns',
      unit: 'req/s',
      ours: m.status?.ok200 ?? NOT_RUN,
      baseline: pkSelect,
      target: pollTarget,
    },
    {
      name: 'Status polls, 304 path (If-None-Match), 50 conns',
      unit: 'req/s',
      ours: m.status?.notModified304 ?? NOT_RUN,
      baseline: pkSelect,
      target: pollTarget,
    },
    {
      name: 'Progress→SSE client p50',
      unit: 'ms',
      ours: typeof sse === 'string' ? sse : sse.p50Ms,
    },
    {
      name: 'Progress→SSE client p99',
      unit: 'ms',
      ours: typeof sse === 'string' ? sse : sse.p99Ms,
      target: { text: '≤ 50 ms', met: atMost(50) },
    },
    {
      name: 'Open SSE streams per 100 MiB RSS',
      unit: 'streams',
      ours: typeof sse === 'string' ? sse : sse.streamsPer100MiB,
    },
    {
      name: 'Callback deliveries to a local receiver',
      unit: '/s',
      ours: typeof callbacks === 'string' ? callbacks : callbacks.perSecond,
      target: { text: '≥ 2,000/s', met: atLeast(2000) },
    },
    {
      name: 'RSS idle (ROLE=all)',
      unit: 'MiB',
      ours: m.rssIdle ?? NOT_RUN,
      target: { text: '≤ 150 MiB', met: atMost(150) },
    },
    { name: 'RSS peak under submit + end-to-end load (ROLE=all)', unit: 'MiB', ours: m.rssLoad ?? NOT_RUN },
  ];
}
