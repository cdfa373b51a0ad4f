// The service under test, as its own process: startService (what src/main.ts runs) with the
// built-in job types plus the bench-only bench.stamp, configured from the environment.
import { parseConfig } from '../src/config.ts';
import type { AnyJobType } from '../src/job-types/define-job-type.ts';
import { builtInJobTypes } from '../src/job-types/registry.ts';
import { createLogger } from '../src/observability/logger.ts';
import { startService } from '../src/service.ts';
import { benchStamp } from './bench-stamp-job.ts';
import { sendToParent } from './support/child-ipc.ts';

const config = parseConfig(process.env);
const databaseUrl = config.DATABASE_URL;
if (!databaseUrl) throw new Error('bench-service needs DATABASE_URL');
const service = await startService({
  config,
  databaseUrl,
  log: createLogger(config.LOG_LEVEL),
  jobTypes: [...builtInJobTypes, benchStamp as unknown as AnyJobType],
});
sendToParent({ type: 'ready', url: service.url ?? null });

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  // process.exit (not a hard kill) so that --cpu-prof writes its profile.
  service.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
