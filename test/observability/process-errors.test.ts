// The process's last word on an error nobody handled: one JSON log line and exit 1 — except the
// known postgres.js write-after-close race, which loses nothing and must not take the service down.
import { describe, expect, it } from 'vitest';
import { isDriverWriteAfterClose } from '../../src/observability/process-errors.ts';
import { runNode } from '../support/child-service.ts';

describe('unhandled errors', () => {
  it('exit 1 with one JSON log line for an unhandled rejection and an uncaught exception', async () => {
    for (const fault of [
      'Promise.reject(new Error("boom"))',
      'setTimeout(() => { throw new Error("boom") })',
    ]) {
      const script = `import { createLogger } from './src/observability/logger.ts';
        import { exitOnUnhandledErrors } from './src/observability/process-errors.ts';
        exitOnUnhandledErrors(createLogger('info')); ${fault};`;
      const run = await runNode('--input-type=module', ['-e', script]);
      expect(run.code).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0] as string) as { level: string; msg: string; error: string };
      expect(line.level).toBe('error');
      expect(line.msg).toMatch(/^(unhandled rejection|uncaught exception)$/);
      expect(line.error).toContain('boom');
    }
  });

  it("recognises postgres.js's write on a closed socket, and nothing else", () => {
    const race = new TypeError("Cannot read properties of null (reading 'write')");
    race.stack = `${race.message}\n    at Immediate.nextWrite (file:///app/node_modules/postgres/src/connection.js:255:22)`;
    expect(isDriverWriteAfterClose(race)).toBe(true);
    const other = new TypeError("Cannot read properties of null (reading 'write')");
    other.stack = `${other.message}\n    at ours (file:///app/src/service.ts:1:1)`;
    expect(isDriverWriteAfterClose(other)).toBe(false);
    expect(isDriverWriteAfterClose(new Error('boom'))).toBe(false);
  });
});
