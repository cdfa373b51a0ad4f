import { startBenchDatabase } from './support/bench-database.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
const db = await startBenchDatabase({ statStatements: false });
await migrateDatabase(db.url);
console.log(db.url);
process.on('SIGTERM', () => void db.stop().then(() => process.exit(0)));
setInterval(() => {}, 1 << 30);
