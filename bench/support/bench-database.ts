// A fresh embedded PostgreSQL in a temporary DATA_DIR for one bench run, optionally restarted
// with pg_stat_statements preloaded (the profile mode), and removed with its directory after.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSql, type Sql } from '../../src/db/client.ts';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.ts';

export interface BenchDatabase {
  url: string;
  sql: Sql;
  version: string;
  stop(): Promise<void>;
}

export async function startBenchDatabase(options: { statStatements: boolean }): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'aj-bench-'));
  let embedded = await startEmbeddedPostgres(dataDir);
  try {
    if (options.statStatements) {
      // startEmbeddedPostgres takes no server flags, so set it in postgresql.auto.conf and restart.
      const admin = createSql(embedded.url, { max: 1 });
      await admin`alter system set shared_preload_libraries = 'pg_stat_statements'`;
      await admin.end();
      await embedded.stop();
      embedded = await startEmbeddedPostgres(dataDir);
    }
    const sql = createSql(embedded.url, { max: 4 });
    if (options.statStatements) await sql`create extension if not exists pg_stat_statements`;
    const [row] = await sql<{ version: string }[]>`select current_setting('server_version') as version`;
    const running = embedded;
    return {
      url: embedded.url,
      sql,
      version: row?.version ?? '?',
      async stop() {
        await sql.end({ timeout: 2 }).catch(() => {});
        await running.stop().catch(() => {});
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await embedded.stop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
