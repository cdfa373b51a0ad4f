// demo.sleep: sleeps in steps, reporting progress after each; for trying the API, tests and benchmarks.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineJob } from './define-job-type.ts';

export const demoSleep = defineJob({
  type: 'demo.sleep',
  description:
    'Sleeps duration_ms in `steps` equal steps, reporting progress after each and honouring cancel between steps. Fails at the end with `fail_with` when given; echoes `output`.',
  input: z.object({
    duration_ms: z.number().int().min(0).max(600_000),
    steps: z.number().int().min(1).max(1000).default(10),
    fail_with: z.string().min(1).max(1000).optional(),
    output: z.json().optional(),
  }),
  output: z.object({ slept_ms: z.number().int(), steps: z.number().int(), output: z.json().nullable() }),
  timeoutSeconds: 900,
  async handler(input, ctx) {
    const stepMs = input.duration_ms / input.steps;
    const started = Date.now();
    for (let step = 1; step <= input.steps; step++) {
      ctx.signal.throwIfAborted();
      if (stepMs > 0) await sleep(stepMs, undefined, { signal: ctx.signal });
      ctx.progress(Math.round((step / input.steps) * 100), `step ${step} of ${input.steps}`);
    }
    if (input.fail_with) throw new Error(input.fail_with);
    return { slept_ms: Math.round(Date.now() - started), steps: input.steps, output: input.output ?? null };
  },
});
