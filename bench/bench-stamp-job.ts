// bench.stamp — a bench-only job type: its handler returns the wall-clock time it started, so
// the bench measures submit→handler-start against a client-side timestamp (created_at is the
// submit transaction's start, which would hide the HTTP and commit time).
import { z } from 'zod';
import { defineJob } from '../src/job-types/define-job-type.ts';

export const benchStamp = defineJob({
  type: 'bench.stamp',
  description: 'Bench only: returns the time its handler started.',
  input: z.object({}),
  output: z.object({ started_ms: z.number() }),
  async handler() {
    return { started_ms: Date.now() };
  },
});
