// Starts one PostgreSQL for the whole run (embedded, or the server in DATABASE_URL) and builds
// a migrated template database (our tables + pg-boss's schema and queues). Each test file then
// clones it with CREATE DATABASE ... TEMPLATE, so files run in parallel without sharing state.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { migrateDatabase } from '../../src/db/migrate.ts';
import { builtInJobTypes } from '../../src/job-types/registry.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createBoss, ensureQueues } from '../../src/queue/queue.ts';
import { CALLBACK_QUEUE } from '../../src/webhooks/dispatcher.ts';
import { testJobTypes } from './test-job-types.ts';

export const TEMPLATE_DB = 'aj_test_template';

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  let stopEmbedded: (() => Promise<void>) | undefined;
  let dataDir: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    dataDir = mkdtempSync(join(tmpdir(), 'aj-test-pg-'));
    // Several services run at once (each ~35 connections), in parallel test files.
    const embedded = await startEmbeddedPostgres(dataDir, undefined, { maxConnections: 500 });
    adminUrl = embedded.url;
    stopEmbedded = embedded.stop;
  }
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${TEMPLATE_DB} with (force)`);
  await admin.unsafe(`create database ${TEMPLATE_DB}`);
  const templateUrl = withDatabase(adminUrl, TEMPLATE_DB);
  await migrateDatabase(templateUrl);
  const boss = createBoss(templateUrl, createLogger('silent'));
  await boss.start();
  await ensureQueues(boss, [...builtInJobTypes, ...testJobTypes], [CALLBACK_QUEUE]);
  await boss.stop({ graceful: false, close: true });
  await admin.end();
  project.provide('adminDatabaseUrl', adminUrl);

  return async () => {
    const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} });
    const dbs = await cleanup<
      { datname: string }[]
    >`select datname from pg_database where datname like 'aj_t_%'`;
    for (const { datname } of dbs) await cleanup.unsafe(`drop database if exists ${datname} with (force)`);
    await cleanup.end();
    await stopEmbedded?.();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
}
