#!/usr/bin/env node
// CI's first step: every dependency is named by a semver range or version (never a dist-tag such as
// "latest", never a wildcard), and package-lock.json is in sync with package.json. A tag goes stale
// on the next release and `npm ci` then refuses the lock, so this fails first, with one clear line.
// Plain JavaScript on purpose: it runs before `npm ci`, on whatever Node the machine has.
// Usage: node .ci/check-dependencies.mjs [project-dir]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dir = resolve(process.argv[2] ?? join(import.meta.dirname, '..'));
const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];
// A range is built from versions (1, 1.2, 1.2.3, 1.2.3-beta.4) joined by operators, hyphens and ||.
const VERSION = String.raw`v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?`;
const COMPARATOR = new RegExp(String.raw`^(\^|~|>=|<=|>|<|=)?${VERSION}$`);

function isVersionRange(spec) {
  return spec
    .split('||')
    .every((alternative) => {
      const parts = alternative.trim().split(/\s+/).filter((p) => p !== '-');
      return parts.length > 0 && parts.every((p) => COMPARATOR.test(p));
    });
}

const problems = [];
for (const section of SECTIONS) {
  for (const [name, spec] of Object.entries(manifest[section] ?? {})) {
    if (!isVersionRange(spec)) {
      problems.push(`package.json ${section}.${name} is "${spec}": name a semver range or version, not a tag or wildcard`);
    }
  }
}

if (problems.length === 0) {
  try {
    // --dry-run installs nothing but still refuses a lock that does not satisfy package.json.
    execFileSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
  } catch (error) {
    const reason = String(error.stderr ?? '')
      .split('\n')
      .filter((line) => line.startsWith('npm error') && !line.includes('complete log'))
      .map((line) => line.replace(/^npm error\s*/, ''))
      .filter((line) => line !== '')
      .slice(0, 4)
      .join(' | ');
    problems.push(`package-lock.json is out of sync with package.json (run npm install and commit the lock): ${reason}`);
  }
}

for (const problem of problems) console.error(`check-dependencies: ${problem}`);
if (problems.length > 0) process.exit(1);
console.log('check-dependencies: every dependency is a version range and the lock is in sync');
