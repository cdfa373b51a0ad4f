// Entry point: config → database (embedded when DATABASE_URL is unset) → migrations → API and/or
// workers by ROLE; SIGTERM/SIGINT stop it in order and exit 0.
import { parseConfig } from './config.ts';
import { createSql } from './db/client.ts';
import { resolveDatabase } from './db/database-url.ts';
import { countApiKeys, createApiKey } from './identity/api-key-store.ts';
import { createLogger } from './observability/logger.ts';
import { exitOnUnhandledErrors } from './observability/process-errors.ts';
import { startService } from './service.ts';

async function main() {
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
  const log = createLogger(config.LOG_LEVEL);
  exitOnUnhandledErrors(log);
  const database = await resolveDatabase(config, (line) => log.warn(line));
  if (database.embedded) {
    console.log(
      `Embedded PostgreSQL: data in ${database.embedded.dataDir} (${database.url.replace(/:[^:@/]+@/, ':***@')})`,
    );
  }
  const service = await startService({ config, databaseUrl: database.url, log });

  if (database.embedded && service.url) await printFirstRunKey(database.url, service.url);
  if (service.url)
    console.log(`Listening on ${service.url} (role ${config.ROLE}); docs at ${service.url}/docs`);
  else console.log(`Worker running (role ${config.ROLE})`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    // The embedded database runs in its own session, so a terminal's Ctrl-C (SIGINT to the whole
    // foreground group) reaches only us: it is stopped here, last, after every query is done.
    try {
      await service.stop();
    } catch (error) {
      log.error('shutdown failed', { error: String(error) });
      process.exitCode = 1;
    }
    if (database.embedded?.owned) await database.embedded.stop();
    process.exit(process.exitCode ?? 0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** On a first start of the embedded database, create owner "demo" with a key and show how to use it. */
async function printFirstRunKey(databaseUrl: string, baseUrl: string) {
  const sql = createSql(databaseUrl, { max: 1 });
  try {
    if ((await countApiKeys(sql)) > 0) return;
    const { key } = await createApiKey(sql, 'demo');
    console.log('\nFirst start: created owner "demo" with this API key (shown once):');
    console.log(`  ${key}\nTry it:`);
    console.log(
      `  curl -i -X POST ${baseUrl}/v1/jobs -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' -d '{"type":"demo.sleep","input":{"duration_ms":5000,"steps":5}}'\n`,
    );
  } finally {
    await sql.end();
  }
}

main().catch((error) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
