// docs/http-api.md is generated from the OpenAPI document; a stale copy fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderHttpReference } from '../../src/cli/write-http-reference.ts';

describe('docs/http-api.md', () => {
  it('is what `npm run docs:http` generates from the current OpenAPI document', () => {
    const committed = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'http-api.md'), 'utf8');
    expect(committed === renderHttpReference(), 'run `npm run docs:http` and commit docs/http-api.md').toBe(
      true,
    );
  });

  it('covers every operation of the document', () => {
    const reference = renderHttpReference();
    for (const op of ['submitJob', 'getJob', 'streamJobEvents', 'redeliverCallback', 'getMetrics']) {
      expect(reference).toContain(`Operation \`${op}\``);
    }
  });
});
