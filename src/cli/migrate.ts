// npm run db:migrate: applies drizzle/ migrations to DATABASE_URL (or the embedded database).
import { parseConfig } from '../config.ts';
import { resolveDatabase } from '../db/database-url.ts';
import { migrateDatabase } from '../db/migrate.ts';

const config = parseConfig(process.env);
const database = await resolveDatabase(config, (line) => process.stderr.write(`${line}\n`));
try {
  await migrateDatabase(database.url);
  process.stdout.write('migrations applied\n');
} finally {
  if (database.embedded?.owned) await database.embedded.stop();
}
