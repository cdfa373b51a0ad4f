// Builds the publishable SDK into dist/: JavaScript + .d.ts from the TypeScript sources (tsc from
// the repository's devDependencies), plus the generated OpenAPI types. `npm pack` runs it.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tsc = createRequire(join(here, '..', 'package.json')).resolve('typescript/bin/tsc');
rmSync(join(here, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.build.json')], { stdio: 'inherit' });
// tsc does not copy .d.ts inputs: the generated API types go next to the code that imports them.
cpSync(join(here, 'generated'), join(here, 'dist', 'generated'), { recursive: true });
