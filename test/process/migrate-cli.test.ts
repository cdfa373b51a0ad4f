// `npm run db:migrate` as a process on a brand-new empty database: migrates it, is harmless when
// run again, and is safe when two processes run it at once (the advisory lock).
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { countAppliedMigrations, expectedMigrationCount } from '../../src/db/migrate.ts';
import { killChildren, runNode } from '../support/child-service.ts';
import { databaseUrl } from '../support/database.ts';

let admin: postgres.Sql;

beforeAll(() => {
  admin = postgres(inject('adminDatabaseUrl'), { max: 1, onnotice: () => {} });
});
afterEach(killChildren);
afterAll(async () => {
  await admin?.end();
});

/** A brand-new empty database (not the template); named aj_t_ so the global teardown drops it. */
async function createEmptyDatabase(): Promise<string> {
  const name = `aj_t_empty_${randomBytes(5).toString('hex')}`;
  await admin.unsafe(`create database ${name}`);
  return databaseUrl(name);
}

async function inspect(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const applied = await countAppliedMigrations(sql);
    const [row] = await sql<{ tables: number }[]>`
      select count(*)::int as tables from information_schema.tables where table_schema = 'public'`;
    return { applied, tables: row?.tables ?? 0 };
  } finally {
    await sql.end();
  }
}

const migrate = (url: string) => runNode('src/cli/migrate.ts', [], { DATABASE_URL: url });

describe('npm run db:migrate', () => {
  it('migrates an empty database, and a second run changes nothing', async () => {
    const url = await createEmptyDatabase();
    expect(await inspect(url)).toEqual({ applied: 0, tables: 0 });

    const first = await migrate(url);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('migrations applied');
    const migrated = await inspect(url);
    expect(migrated.applied).toBe(expectedMigrationCount());
    expect(migrated.tables).toBeGreaterThan(0);

    const second = await migrate(url);
    expect(second.code, second.stderr).toBe(0);
    expect(await inspect(url)).toEqual(migrated);
  });

  it('is safe when two processes migrate the same empty database at once', async () => {
    const url = await createEmptyDatabase();
    const runs = await Promise.all([migrate(url), migrate(url)]);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect((await inspect(url)).applied).toBe(expectedMigrationCount());
  });
});
