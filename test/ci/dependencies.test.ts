// The dependency rules CI enforces (.ci/check-dependencies.mjs): versions are ranges, never tags;
// the lock is in sync; pg-boss stays on a minor we have read (queue-waker.ts and the lost-job rescuer
// depend on its internals); the code the service runs imports production dependencies only.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/child-service.ts';

const run = promisify(execFile);
const CHECK = join(ROOT, '.ci/check-dependencies.mjs');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const scratch = mkdtempSync(join(tmpdir(), 'aj-deps-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of package.json + lock with `edit` applied, for the check to judge. */
function projectWith(
  name: string,
  edit: (pkg: typeof manifest, lock: { packages: Record<string, { version: string }> }) => void,
): string {
  const dir = join(scratch, name);
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  cpSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
  edit(pkg, lock);
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
  return dir;
}

async function check(dir: string): Promise<{ code: number; stderr: string }> {
  return run('node', [CHECK, dir]).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
}

describe('the CI dependency check', () => {
  it('passes this project', async () => {
    expect(await check(ROOT)).toEqual({ code: 0, stderr: '' });
  });

  it('fails with one clear line for a dist-tag or a wildcard', async () => {
    const tagged = projectWith('tagged', (pkg) => {
      pkg.devDependencies.vitest = 'latest';
      pkg.dependencies.zod = '*';
    });
    const { code, stderr } = await check(tagged);
    expect(code).toBe(1);
    expect(stderr).toContain('devDependencies.vitest is "latest"');
    expect(stderr).toContain('dependencies.zod is "*"');
  });

  it('fails when the lock no longer satisfies package.json', async () => {
    // What happened on main: the lock held vitest 5.1.1 while package.json asked for a newer one.
    const stale = projectWith('stale', (pkg, lock) => {
      const locked = lock.packages['node_modules/vitest']?.version;
      pkg.devDependencies.vitest = `>${locked}`;
    });
    const { code, stderr } = await check(stale);
    expect(code).toBe(1);
    expect(stderr).toContain('package-lock.json is out of sync');
  });
});

describe('package.json', () => {
  it('pins pg-boss to one minor, whose private NOTIFY channel and tables we rely on', () => {
    expect(manifest.dependencies['pg-boss']).toMatch(/^(~\d+\.\d+\.\d+|\d+\.\d+\.\d+)$/);
  });

  it('brings a Node that satisfies its own engines field', () => {
    const enginesMajor = Number(/^>=\s*(\d+)/.exec(manifest.engines.node)?.[1]);
    const bundledMajor = Number(/^\^(\d+)/.exec(manifest.devDependencies.node)?.[1]);
    expect(bundledMajor).toBeGreaterThanOrEqual(enginesMajor);
  });

  it('lists every package the service imports as a production dependency', () => {
    const builtins = new Set(builtinModules);
    const files = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      // Developer tools run only through npm scripts in a full install.
      .filter((f) => f !== join('cli', 'generate-sdk.ts'));
    const missing: string[] = [];
    for (const file of files) {
      const source = readFileSync(join(ROOT, 'src', file), 'utf8');
      for (const [, specifier] of source.matchAll(/^import (?!type )[^;]*? from '([^'.][^']*)';/gms)) {
        const name = (specifier as string).startsWith('@')
          ? (specifier as string).split('/').slice(0, 2).join('/')
          : (specifier as string).split('/')[0];
        if (name?.startsWith('node:') || builtins.has(name as string)) continue;
        if (!(name && name in manifest.dependencies))
          missing.push(`${relative(ROOT, join('src', file))}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
