// A fresh database per test file, cloned from the migrated template built by global-setup.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';

export const TEMPLATE_DB = 'aj_test_template';

export function databaseUrl(name: string): string {
  const u = new URL(inject('adminDatabaseUrl'));
  u.pathname = `/${name}`;
  return u.toString();
}

export async function createTestDatabase(): Promise<string> {
  const name = `aj_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(inject('adminDatabaseUrl'), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name} template ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  return databaseUrl(name);
}
