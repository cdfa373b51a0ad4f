// `npm run apikey -- create <owner>` as a process: the key alone on the last line of stdout, with
// DATABASE_URL, and with the embedded database whether or not the server runs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSql } from '../../src/db/client.ts';
import { findOwnerByApiKey } from '../../src/identity/api-key-store.ts';
import {
  killChildren,
  removeTempDirs,
  runNode,
  startChildService,
  tempDataDir,
} from '../support/child-service.ts';
import { createTestDatabase } from '../support/database.ts';
import { authedFetch } from '../support/test-service.ts';

const KEY_LINE = /^sk_[A-Za-z0-9_-]{43}$/;

afterEach(killChildren);
afterAll(removeTempDirs);

function lastLine(stdout: string): string {
  return stdout.trimEnd().split('\n').at(-1) ?? '';
}

describe('npm run apikey -- create <owner>', () => {
  it('prints the new key alone on the last line of stdout, with DATABASE_URL', async () => {
    const databaseUrl = await createTestDatabase();
    const run = await runNode('src/cli/apikey.ts', ['create', 'acme'], { DATABASE_URL: databaseUrl });
    expect(run.code, run.stderr).toBe(0);
    const key = lastLine(run.stdout);
    expect(key).toMatch(KEY_LINE);
    const sql = createSql(databaseUrl, { max: 1 });
    try {
      expect(await findOwnerByApiKey(sql, key)).toBe('acme');
    } finally {
      await sql.end();
    }
  });

  it('exits 2 with the usage on stderr when the owner is missing', async () => {
    // The usage is checked before any connection is made.
    const run = await runNode('src/cli/apikey.ts', ['create'], {
      DATABASE_URL: 'postgres://nobody:none@127.0.0.1:1/none',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/usage/);
  });

  it('works with the embedded database, alone and while the server runs on it', async () => {
    const dataDir = tempDataDir();
    // Alone: the CLI starts the embedded database for itself and stops it again.
    const alone = await runNode('src/cli/apikey.ts', ['create', 'acme'], { DATA_DIR: dataDir }, 90_000);
    expect(alone.code, alone.stderr).toBe(0);
    const firstKey = lastLine(alone.stdout);
    expect(firstKey).toMatch(KEY_LINE);
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);

    // While the server runs: the CLI shares the server's database and leaves it running.
    const service = await startChildService({ DATA_DIR: dataDir }, 90_000);
    const shared = await runNode('src/cli/apikey.ts', ['create', 'acme'], { DATA_DIR: dataDir });
    expect(shared.code, shared.stderr).toBe(0);
    const secondKey = lastLine(shared.stdout);
    expect(secondKey).toMatch(KEY_LINE);
    expect(secondKey).not.toBe(firstKey);

    for (const key of [firstKey, secondKey]) {
      const res = await authedFetch(service.url, key)('/v1/jobs');
      expect(res.status).toBe(200);
    }
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    expect(await service.terminate()).toBe(0);
  }, 150_000);
});
