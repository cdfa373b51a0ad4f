// Turns what the scenarios measured into the table's rows, with each figure's baseline and the
// floor from issue #12 (a ratio to a baseline measured in the same run wherever one exists). A figure that was not measured (a scenario failed, a route is missing)
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
  /** Hono + INSERT, run by run in turn with the ROLE=all submit runs. */
  insertBaseline?: number;
  /** Hono + INSERT, run by run in turn with the ROLE=api submit runs (phase 2). */
  insertBaselineApi?: number;
  e2eFlood?: EndToEnd;
  rawFlood?: EndToEnd;
  e2eRate?: EndToEnd;
  naiveFlood?: EndToEnd;
  naiveRate?: EndToEnd;
  /** The offered rate of the latency figure: half the naive design's flooded rate. */
  rate?: number;
  pgBossAlone?: number;
  e2eOneWorker?: EndToEnd;
  e2eTwoWorkers?: EndToEnd;
  /** Deliveries/s of a backlog of due callbacks, drained by one ROLE=worker process. */
  callbackBacklog?: number;
  /** Connections held by the ROLE=all service after load, by pool. */
  connections?: Record<string, number>;
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
  const ratioAtLeast = (r: number) => ({
    text: `≥ ${r}× baseline`,
    met: (ours: number, base: number | undefined) => base !== undefined && ours >= r * base,
  });
  const naive = (e: EndToEnd | undefined, pick: (e: EndToEnd) => number) =>
    e ? { name: 'naive design', value: pick(e) } : undefined;
  const pkSelect = m.status ? { name: 'Hono + PK SELECT', value: m.status.baseline } : undefined;
  const pollTarget = ratioAtLeast(0.75);
  const rate = (m.rate ?? settings.rate).toLocaleString('en-US');
  const connections = m.connections ? Object.values(m.connections).reduce((a, b) => a + b, 0) : undefined;
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
      baseline:
        m.insertBaselineApi === undefined
          ? insert
          : { name: 'Hono + INSERT 202, runs in turn', value: m.insertBaselineApi },
      target: ratioAtLeast(0.8),
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
      target: ratioAtLeast(0.5),
    },
    {
      name: `End to end, ${settings.floodSeconds} s of submits at 50 conns: completed`,
      unit: 'jobs/s',
      ours: m.e2eFlood?.jobsPerSecond ?? NOT_RUN,
      baseline: naive(m.naiveFlood, (e) => e.jobsPerSecond),
      target: ratioAtLeast(3),
    },
    {
      name: `End to end at ${rate} jobs/s offered (half the naive flooded rate): completed`,
      unit: 'jobs/s',
      ours: m.e2eRate?.jobsPerSecond ?? NOT_RUN,
      baseline: naive(m.naiveRate, (e) => e.jobsPerSecond),
    },
    {
      name: `Submit→succeeded p50 at ${rate} jobs/s offered`,
      unit: 'ms',
      ours: m.e2eRate?.p50Ms ?? NOT_RUN,
      baseline: naive(m.naiveRate, (e) => e.p50Ms),
    },
    {
      name: `Submit→succeeded p99 at ${rate} jobs/s offered`,
      unit: 'ms',
      ours: m.e2eRate?.p99Ms ?? NOT_RUN,
      baseline: naive(m.naiveRate, (e) => e.p99Ms),
      target: { text: '≤ 250 ms', met: atMost(250) },
    },
    {
      name: 'Diagnostic: pg-boss alone, fetch + complete a backlog, batchSize 50',
      unit: 'jobs/s',
      ours: m.pgBossAlone ?? NOT_RUN,
    },
    {
      name: 'Diagnostic: our old worker settings on raw pg-boss (batchSize 1 × 16), flooded',
      unit: 'jobs/s',
      ours: m.rawFlood?.jobsPerSecond ?? NOT_RUN,
      baseline: naive(m.naiveFlood, (e) => e.jobsPerSecond),
    },
    {
      name: 'End to end flooded, ROLE=api + 1 ROLE=worker process',
      unit: 'jobs/s',
      ours: m.e2eOneWorker?.jobsPerSecond ?? NOT_RUN,
      baseline: naive(m.naiveFlood, (e) => e.jobsPerSecond),
    },
    {
      name: 'End to end flooded, ROLE=api + 2 ROLE=worker processes',
      unit: 'jobs/s',
      ours: m.e2eTwoWorkers?.jobsPerSecond ?? NOT_RUN,
      baseline: m.e2eOneWorker
        ? { name: '1 worker process', value: m.e2eOneWorker.jobsPerSecond }
        : undefined,
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
      target: {
        text: '≥ 0.75× baseline and faster than the 200 path',
        met: (ours: number, base: number | undefined) =>
          base !== undefined && ours >= 0.75 * base && ours > (m.status?.ok200 ?? Number.POSITIVE_INFINITY),
      },
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
    // The floor is on deliveries (#12: keep-alive to the checked address, batched attempt
    // records): a backlog of due callbacks drained with nothing else running. Submitted jobs' callbacks
    // cannot land faster than the jobs finish, so those two rows are diagnostics.
    {
      name: 'Callback deliveries to a local receiver: a backlog drained by one ROLE=worker process',
      unit: '/s',
      ours: m.callbackBacklog ?? NOT_RUN,
      target: { text: '≥ 2,000/s', met: atLeast(2000) },
    },
    {
      name: 'Diagnostic: callbacks of jobs submitted at 50 conns, first submit to last arrival',
      unit: '/s',
      ours: typeof callbacks === 'string' ? callbacks : callbacks.perSecond,
    },
    {
      name: 'Diagnostic: callbacks, first to last arrival',
      unit: '/s',
      ours: typeof callbacks === 'string' ? callbacks : callbacks.arrivalsPerSecond,
    },
    {
      name: 'RSS idle (ROLE=all)',
      unit: 'MiB',
      ours: m.rssIdle ?? NOT_RUN,
      target: { text: '≤ 150 MiB', met: atMost(150) },
    },
    { name: 'RSS peak under submit + end-to-end load (ROLE=all)', unit: 'MiB', ours: m.rssLoad ?? NOT_RUN },
    {
      name: `Database connections held by the ROLE=all process after load${
        m.connections
          ? ` (${Object.entries(m.connections)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')})`
          : ''
      }`,
      unit: '',
      ours: connections ?? NOT_RUN,
      target: {
        text: '≤ 26 (budget: 10 + 2 submit lanes + 2 batch lanes + 4 + 6 + 1 listener + 1 spare; was ~39)',
        met: atMost(26),
      },
    },
  ];
}
