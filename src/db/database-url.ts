// Which database to use: DATABASE_URL, or the embedded PostgreSQL under DATA_DIR.
import type { Config } from '../config.ts';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './embedded-postgres.ts';

export interface ResolvedDatabase {
  url: string;
  embedded?: EmbeddedDatabase;
}

export async function resolveDatabase(
  config: Config,
  log: (line: string) => void,
): Promise<ResolvedDatabase> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL };
  const embedded = await startEmbeddedPostgres(config.DATA_DIR, log);
  return { url: embedded.url, embedded };
}
