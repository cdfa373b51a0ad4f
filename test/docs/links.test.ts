// The README and docs stand alone in a clone: every link points inside the repository (a file
// that exists, or a heading of the same page), none to the web.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const pages = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');

describe.each(pages)('%s', (page) => {
  const text = readFileSync(join(ROOT, page), 'utf8');
  const withoutCode = text.replace(/```[\s\S]*?```/g, '');
  const links = [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);
  const anchors = new Set([
    ...[...text.matchAll(/^#+\s+(.*)$/gm)].map((m) => slug(m[1] as string)),
    ...[...text.matchAll(/<a id="([^"]+)">/g)].map((m) => m[1] as string),
  ]);

  it('links to nothing outside the repository', () => {
    const outside = links.filter((l) => /^[a-z]+:/i.test(l) || l.startsWith('//'));
    const autolinks = [...withoutCode.matchAll(/<(https?:\/\/[^>]+)>/g)].map((m) => m[1]);
    expect([...outside, ...autolinks]).toEqual([]);
  });

  it('links only to files that exist and headings that exist', () => {
    for (const link of links) {
      const [path, anchor] = link.split('#') as [string, string | undefined];
      if (path) expect(existsSync(join(ROOT, dirname(page), path)), link).toBe(true);
      if (!path && anchor) expect(anchors.has(anchor), link).toBe(true);
    }
  });
});
