// A job ready for insertJobs or the submit batcher, as prepareJob would make it: demo.sleep with
// nothing scheduled and default priority.
import { randomUUID } from 'node:crypto';
import type { NewJob } from '../../src/jobs/job-store.ts';

export function newJob(ownerId: string): NewJob {
  return {
    id: randomUUID(),
    ownerId,
    type: 'demo.sleep',
    input: { duration_ms: 0, steps: 1 },
    metadata: {},
    callbackUrl: null,
    maxAttempts: 1,
    runAt: null,
    priority: 0,
    fairBand: 0,
  };
}
