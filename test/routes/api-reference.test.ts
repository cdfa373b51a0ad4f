// GET /docs works offline: the page and every file it loads come from this service.
import { fetch as plainFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

describe('GET /docs', () => {
  it('loads its scripts and styles only from this service, and each of them is served', async () => {
    const res = await fetch(`${svc.url}/docs`);
    expect(res.status).toBe(200);
    const page = await res.text();
    const refs = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    expect(refs).toContain('/openapi.json');
    for (const ref of refs.filter((r) => r !== '/openapi.json')) {
      expect(ref.startsWith('/docs/assets/'), ref).toBe(true);
      // The assets are not API operations, so they are fetched past the OpenAPI conformance check.
      const asset = await plainFetch(`${svc.url}${ref}`);
      expect(asset.status, ref).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, ref).toBeGreaterThan(0);
    }
    const init = await (await plainFetch(`${svc.url}/docs/assets/init.js`)).text();
    expect(init).toContain("url: '/openapi.json'");
  });

  it('serves the Swagger UI bundle itself, not a loader that fetches it from elsewhere', async () => {
    const bundle = await plainFetch(`${svc.url}/docs/assets/swagger-ui-bundle.js`);
    expect(bundle.headers.get('content-type')).toContain('javascript');
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(500_000);
  });

  it('serves nothing else from the package directory', async () => {
    const res = await plainFetch(`${svc.url}/docs/assets/package.json`);
    expect(res.status).toBe(404);
    await res.body?.cancel();
  });
});
