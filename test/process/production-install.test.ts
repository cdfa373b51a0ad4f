// A production install: `npm ci --omit=dev` in a copy of the project, then the service started with
// a Node that satisfies `engines` (the Node 24 a full install brought, called by its path). No dev
// tool (tsx, typescript, vitest) is there, so this proves `src/` runs on Node's own type stripping
// with production dependencies alone, on the embedded PostgreSQL the production install carries.
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, expect, it } from 'vitest';
import { killChildren, NODE, ROOT, startChildService } from '../support/child-service.ts';

const run = promisify(execFile);
const copy = mkdtempSync(join(tmpdir(), 'aj-prod-'));
// mkdtemp makes it 0700; as root, the embedded Postgres binaries inside run as the `postgres` user.
chmodSync(copy, 0o755);

afterEach(killChildren);
afterAll(() => rmSync(copy, { recursive: true, force: true }));

it('installs with --omit=dev and serves /readyz on the Node that engines names', async () => {
  // What a deployment takes from the repository: the manifest, the lock, the code, the migrations.
  for (const entry of ['package.json', 'package-lock.json', 'src', 'drizzle']) {
    cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
  }
  await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: copy, timeout: 150_000 });
  for (const devTool of ['typescript', 'vitest', 'tsx', 'drizzle-kit', 'node']) {
    expect(existsSync(join(copy, 'node_modules', devTool)), `${devTool} is not installed`).toBe(false);
  }

  const { stdout: version } = await run(NODE, ['--version']);
  const engines = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')).engines.node as string;
  expect(Number(/^v(\d+)/.exec(version)?.[1])).toBeGreaterThanOrEqual(Number(/\d+/.exec(engines)?.[0]));

  const service = await startChildService({ DATA_DIR: join(copy, '.data') }, 90_000, {
    cwd: copy,
    node: NODE,
  });
  const ready = await fetch(`${service.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await service.terminate()).toBe(0);
}, 240_000);
