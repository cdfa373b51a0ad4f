// A load-generator process: one autocannon run against one URL, summarised back to the parent.
import autocannon from 'autocannon';
import { receiveArgs, sendResult } from './support/child-ipc.ts';

export interface HttpLoadArgs {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  connections: number;
  durationSeconds: number;
  /** Authorization values to rotate through, one per request (many owners instead of one). */
  rotateAuthorization?: string[];
}

export interface HttpLoadResult {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  total: number;
  statusCodes: Record<string, number>;
  errors: number;
}

const args = await receiveArgs<HttpLoadArgs>();
let turn = 0;
const rotate = args.rotateAuthorization;
const result = await autocannon({
  url: args.url,
  method: args.method,
  headers: args.headers,
  body: args.body,
  connections: args.connections,
  duration: args.durationSeconds,
  ...(rotate && rotate.length > 0
    ? {
        requests: [
          {
            setupRequest: (req: { headers?: Record<string, string> }) => ({
              ...req,
              headers: { ...req.headers, authorization: rotate[turn++ % rotate.length] as string },
            }),
          },
        ],
      }
    : {}),
});
const statusCodes: Record<string, number> = {};
for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
  statusCodes[code] = (stat as { count: number }).count;
sendResult({
  // Completed requests over the wall time, whatever the status: the caller checks the codes.
  requestsPerSecond: result.requests.total / (result.duration || args.durationSeconds),
  latencyP50Ms: result.latency.p50,
  latencyP99Ms: result.latency.p99,
  total: result.requests.total,
  statusCodes,
  errors: result.errors + result.timeouts,
} satisfies HttpLoadResult);
