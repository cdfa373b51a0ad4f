// npm run apikey -- create <owner>: creates the owner if needed and prints the new key alone on
// the last line of stdout. Uses DATABASE_URL, or the embedded database under DATA_DIR (shared
// with a running server, or started just for this command).
import { parseConfig } from '../config.ts';
import { createSql } from '../db/client.ts';
import { resolveDatabase } from '../db/database-url.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { createApiKey, revokeApiKey } from '../identity/api-key-store.ts';

const USAGE = 'usage: npm run apikey -- create <owner> | revoke <key id>';

async function run(argv: string[]): Promise<number> {
  const [command, arg] = argv;
  if (!arg || (command !== 'create' && command !== 'revoke')) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = parseConfig(process.env);
  const database = await resolveDatabase(config, (line) => process.stderr.write(`${line}\n`));
  try {
    await migrateDatabase(database.url);
    const sql = createSql(database.url, { max: 1 });
    try {
      if (command === 'create') {
        const created = await createApiKey(sql, arg);
        process.stdout.write(`created key ${created.id} for owner ${created.owner}\n${created.key}\n`);
        return 0;
      }
      const revoked = await revokeApiKey(sql, arg);
      process.stdout.write(revoked ? `revoked ${arg}\n` : `no such key ${arg}\n`);
      return revoked ? 0 : 1;
    } finally {
      await sql.end();
    }
  } finally {
    if (database.embedded?.owned) await database.embedded.stop();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
