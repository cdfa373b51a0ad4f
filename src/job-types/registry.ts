// The job types this service runs. To add one: write a file with defineJob and list it here.
import type { AnyJobType } from './define-job-type.ts';
import { demoSleep } from './demo-sleep.ts';
import { jobsCsvReport } from './jobs-csv-report.ts';

export const builtInJobTypes: readonly AnyJobType[] = [demoSleep, jobsCsvReport] as unknown as AnyJobType[];

export type JobTypeRegistry = ReadonlyMap<string, AnyJobType>;

export function createRegistry(types: readonly AnyJobType[] = builtInJobTypes): JobTypeRegistry {
  const map = new Map<string, AnyJobType>();
  for (const t of types) {
    if (map.has(t.type)) throw new Error(`job type ${t.type} registered twice`);
    map.set(t.type, t);
  }
  return map;
}

/** pg-boss queue of a job type (its names allow letters, digits, _ . - /). */
export function queueNameOf(type: string): string {
  return `job.${type}`;
}
