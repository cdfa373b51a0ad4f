// .env.example names every setting the service reads, and its defaults parse.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';

const text = readFileSync(join(import.meta.dirname, '..', '..', '.env.example'), 'utf8');

describe('.env.example', () => {
  it('mentions every configuration variable', () => {
    const names = Object.keys(parseConfig({})).concat(['DATABASE_URL', 'PUBLIC_BASE_URL', 'ADMIN_TOKEN']);
    for (const name of names) expect(text, name).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });

  it('sets only values the service accepts, which are its defaults', () => {
    const set = Object.fromEntries(
      text
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(parseConfig(set)).toEqual(parseConfig({}));
  });
});
