// Status polls: GET /v1/jobs/{id} on a finished-with-200 (failed) job, plainly and with
// If-None-Match (the 304 path), against Hono + one primary-key SELECT.
import { authHeaders, type BenchContext, runHttpLoad, submitAndWait } from '../support/bench-context.ts';
import { median } from '../support/stats.ts';

const CONNECTIONS = 50;

export interface StatusPollFigures {
  ok200: number;
  notModified304: number;
  baseline: number;
}

export async function measureStatusPolls(ctx: BenchContext, baselineUrl: string, seedId: string) {
  // A failed job answers 200 and never changes, so its ETag is stable for the whole run.
  const { id } = await submitAndWait(ctx, {
    type: 'demo.sleep',
    input: { duration_ms: 0, steps: 1, fail_with: 'bench' },
  });
  const first = await fetch(`${ctx.serviceUrl}/v1/jobs/${id}`, { headers: authHeaders(ctx.key) });
  const etag = first.headers.get('etag') ?? '';
  await first.arrayBuffer();

  const poll = async (url: string, headers: Record<string, string>, expect: string, label: string) => {
    const result = await runHttpLoad({
      url,
      method: 'GET',
      headers,
      connections: CONNECTIONS,
      durationSeconds: ctx.loadSeconds,
    });
    ctx.log(`${label}: ${result.requestsPerSecond.toFixed(0)} req/s ${JSON.stringify(result.statusCodes)}`);
    return ((result.statusCodes[expect] ?? 0) / Math.max(1, result.total)) * result.requestsPerSecond;
  };

  // Interleaved run by run, so a change in the machine's load hits ours and the baseline alike.
  const url = `${ctx.serviceUrl}/v1/jobs/${id}`;
  const ok200: number[] = [];
  const notModified304: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    ok200.push(await poll(url, authHeaders(ctx.key), '200', 'status 200'));
    notModified304.push(
      await poll(url, { ...authHeaders(ctx.key), 'if-none-match': etag }, '304', 'status 304'),
    );
    baseline.push(await poll(`${baselineUrl}/items/${seedId}`, {}, '200', 'hono+pk select'));
  }
  return {
    ok200: median(ok200),
    notModified304: median(notModified304),
    baseline: median(baseline),
  } satisfies StatusPollFigures;
}
