// The SDK as other projects get it: `npm pack` in sdk/ builds JS + .d.ts with no server code, and
// the tarball installed into a fresh project runs submit → waitForResult on plain Node (no
// TypeScript, no loader) against a running service.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestOwner, type TestService } from '../support/test-service.ts';

const run = promisify(execFile);
const SDK_DIR = join(import.meta.dirname, '..', '..', 'sdk');
// The npm on the PATH, as a developer would run it.
const NPM = 'npm';

let svc: TestService;
let owner: TestOwner;
let work: string;
let tarball: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sdk-package-'));
  const packed = await run(NPM, ['pack', '--json', '--pack-destination', work], { cwd: SDK_DIR });
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(work, info?.filename as string);
  writeFileSync(join(work, 'files.json'), JSON.stringify(info?.files.map((f) => f.path)));
  svc = await startTestService();
  owner = await svc.newOwner('sdk');
}, 180_000);
afterAll(async () => {
  await svc?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the SDK package', () => {
  it('holds built JavaScript and type declarations, and no TypeScript source or server code', async () => {
    const listed = await run('tar', ['-tzf', tarball]);
    const files = listed.stdout.trim().split('\n');
    expect(files).toContain('package/package.json');
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/dist/generated/schema.d.ts');
    for (const f of files) {
      expect(f.endsWith('.ts') && !f.endsWith('.d.ts'), f).toBe(false);
      expect(f, f).not.toMatch(/src\/|node_modules|test\//);
    }
  });

  it("installs into a new project and waits for a job's result on plain Node", async () => {
    const project = join(work, 'consumer');
    rmSync(project, { recursive: true, force: true });
    await run('mkdir', ['-p', project]);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    await run(NPM, ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: project,
      timeout: 120_000,
    });
    writeFileSync(
      join(project, 'main.js'),
      `import { createJobsClient } from 'async-jobs-sdk';
const jobs = createJobsClient({ baseUrl: process.env.JOBS_URL, apiKey: process.env.JOBS_API_KEY });
const job = await jobs.submit({ type: 'demo.sleep', input: { duration_ms: 300, steps: 3, output: { from: 'tarball' } } });
const percents = [];
const result = await jobs.waitForResult(job.id, { timeoutMs: 30000, onProgress: (p) => percents.push(p.percent) });
console.log(JSON.stringify({ id: job.id, result, percents }));
`,
    );
    // SDK_TEST_NODE: another Node binary to run it with (the package claims Node >= 20).
    const { stdout } = await run(process.env.SDK_TEST_NODE ?? process.execPath, ['main.js'], {
      cwd: project,
      env: { ...process.env, JOBS_URL: svc.url, JOBS_API_KEY: owner.key },
      timeout: 60_000,
    });
    const out = JSON.parse(stdout.trim().split('\n').pop() as string);
    expect(out.result).toEqual({
      contentType: 'application/json',
      value: { slept_ms: expect.any(Number), steps: 3, output: { from: 'tarball' } },
    });
    const [row] = await svc.sql<
      { status: string }[]
    >`select status from jobs where id = ${out.id} and owner_id = ${owner.ownerId}`;
    expect(row?.status).toBe('succeeded');
  });
});
