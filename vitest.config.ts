import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The chaos suite runs on its own: npm run test:chaos (vitest.chaos.config.ts).
    exclude: [...configDefaults.exclude, 'test/chaos/**'],
    globalSetup: ['test/support/global-setup.ts'],
    // Every answer a test gets from a test service is checked against the OpenAPI document.
    setupFiles: ['test/support/conformance-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file gets its own database, so files run in parallel; 2 cores → a few forks.
    pool: 'forks',
    maxWorkers: 4,
  },
});
