// GET /docs: the interactive API reference (Swagger UI), served entirely by this service from the
// installed swagger-ui-dist package — no CDN, so it works offline and behind strict egress rules.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { html } from 'hono/html';
import type { AppEnv } from '../http/app-env.ts';

const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

// The only files the page needs; anything else under /docs/assets is a 404.
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

// Our own start-up script, a file rather than inline so the page can run under a CSP of 'self'.
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  tryItOutEnabled: false,
  persistAuthorization: false,
});
`;

const page = html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Async Jobs API — reference</title>
    <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" />
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css" />
  </head>
  <body>
    <div id="reference"></div>
    <noscript>The API reference needs JavaScript; the document itself is <a href="/openapi.json">/openapi.json</a>.</noscript>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/docs/assets/init.js"></script>
  </body>
</html>`;

const cache = new Map<string, Promise<Buffer>>();
function readAsset(name: string): Promise<Buffer> {
  let file = cache.get(name);
  if (!file) {
    file = readFile(join(SWAGGER_UI_DIR, name));
    cache.set(name, file);
  }
  return file;
}

export function registerApiReference(app: OpenAPIHono<AppEnv>) {
  app.get('/docs', (c) => c.html(page));
  app.get('/docs/assets/init.js', (c) =>
    c.body(INIT_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }),
  );
  app.get('/docs/assets/:file', async (c) => {
    const name = c.req.param('file');
    const type = ASSETS[name];
    if (!type) return c.notFound();
    const body = await readAsset(name);
    return c.body(new Uint8Array(body), 200, {
      'Content-Type': type,
      // The files change only with the installed package version.
      'Cache-Control': 'public, max-age=86400',
    });
  });
}
