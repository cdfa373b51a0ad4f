import { defineConfig } from 'vitest/config';

// The chaos suite (test/chaos, `npm run test:chaos`): the real service as child processes on
// their own embedded PostgreSQL, crashed, starved and attacked. One file at a time: each loads
// the machine on its own, and their figures mean more when they do not share it.
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    // Every answer from a chaos service is checked against the OpenAPI document too.
    setupFiles: ['test/support/conformance-setup.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
