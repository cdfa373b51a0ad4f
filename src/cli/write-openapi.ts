// `npm run openapi:write`: writes the OpenAPI document, built from the route definitions without
// a database, to openapi.json at the repository root. With --check it writes nothing and fails
// when the committed file differs from what the code generates (CI: `npm run sdk:check`).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument } from '../openapi/document-app.ts';

export const OPENAPI_FILE = fileURLToPath(new URL('../../openapi.json', import.meta.url));

export function renderOpenApiDocument(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

const check = process.argv.includes('--check');
const text = renderOpenApiDocument();
if (check) {
  let committed = '';
  try {
    committed = readFileSync(OPENAPI_FILE, 'utf8');
  } catch {}
  if (committed !== text) {
    console.error('openapi.json is out of date: run `npm run sdk:generate` and commit the result.');
    process.exit(1);
  }
  console.log('openapi.json matches the code.');
} else {
  writeFileSync(OPENAPI_FILE, text);
  console.log(`wrote ${OPENAPI_FILE}`);
}
