// A bad configuration value stops the process at start: exit code not 0 and one line on stderr
// naming the variable.
import { afterAll, describe, expect, it } from 'vitest';
import { killChildren, runNode } from '../support/child-service.ts';

// Not afterEach: the cases run concurrently and one finishing must not kill the others.
afterAll(killChildren);

// Never reached: the configuration is checked before any connection is made.
const UNREACHABLE_DATABASE = 'postgres://nobody:none@127.0.0.1:1/none';

describe('a bad configuration value', () => {
  it.concurrent.each([
    ['PORT', 'abc'],
    ['ROLE', 'boss'],
    ['MAX_BODY_BYTES', '-1'],
    ['CALLBACK_RETRY_SCHEDULE', 'a,b'],
    ['DATABASE_URL', 'not a url'],
    ['MAX_BATCH_JOBS', '0'],
  ])('stops the process at start with one line naming %s', async (name, value) => {
    const run = await runNode('src/main.ts', [], {
      DATABASE_URL: UNREACHABLE_DATABASE,
      PORT: '0',
      [name]: value,
    });
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toContain(name);
    expect(run.stdout).toBe('');
  });
});
