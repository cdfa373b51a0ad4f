// Submit→handler-start on an idle queue: bench.stamp jobs one at a time, the handler's own
// Date.now() against the client's send time; pg-boss with default polling and no NOTIFY as the
// baseline.
import type { SubmitResult } from '../load-submit.ts';
import type { BenchContext } from '../support/bench-context.ts';
import { runBenchChild } from '../support/child-process.ts';
import { percentile } from '../support/stats.ts';
import { runRawPgBoss } from './end-to-end.ts';

export interface Pickup {
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

export async function measurePickup(ctx: BenchContext, samples: number, serviceUrl = ctx.serviceUrl) {
  const { pickupMs } = await runBenchChild<SubmitResult>(
    'load-submit',
    'load-submit.ts',
    {},
    {
      url: serviceUrl,
      key: ctx.key,
      body: { type: 'bench.stamp', input: {} },
      mode: 'pickup',
      samples,
      maxGapMs: 80,
    },
    samples * 11_000 + 10_000,
  );
  const result = {
    samples: pickupMs.length,
    p50Ms: percentile(pickupMs, 50),
    p99Ms: percentile(pickupMs, 99),
  };
  ctx.log(`pickup: ${JSON.stringify(result)}`);
  return result;
}

export async function measurePollingPickup(ctx: BenchContext, samples: number): Promise<Pickup> {
  const result = await runRawPgBoss(ctx, { mode: 'pickup', samples, notify: false, maxGapMs: 500 });
  ctx.log(`pickup, default polling: ${JSON.stringify(result)}`);
  return { samples: result.completed, p50Ms: result.p50Ms, p99Ms: result.p99Ms };
}
