import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../src/openapi/document-app.ts';
import { startTestService, type TestService } from '../support/test-service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

describe('the OpenAPI document', () => {
  it('is served at /openapi.json as OpenAPI 3.1 naming this server', async () => {
    const r = await fetch(`${svc.url}/openapi.json`);
    expect(r.status).toBe(200);
    const doc = (await r.json()) as {
      openapi: string;
      servers: unknown;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: svc.url, description: 'This service' }]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('documents submit as a union on `type`, one schema per registered job type', () => {
    const schemas = buildOpenApiDocument().components?.schemas ?? {};
    expect(schemas.SubmitJobRequest).toMatchObject({
      oneOf: [
        { $ref: '#/components/schemas/SubmitDemoSleepJob' },
        { $ref: '#/components/schemas/SubmitReportJobsCsvJob' },
      ],
      discriminator: { propertyName: 'type' },
    });
    expect(schemas.SubmitDemoSleepJob).toMatchObject({
      properties: { type: { const: 'demo.sleep' }, input: { required: ['duration_ms'] } },
      required: ['type', 'input'],
    });
  });

  it('documents the callback in the webhooks section with its three signature headers', () => {
    const hook = buildOpenApiDocument().webhooks?.jobFinished?.post;
    const headers = (hook?.parameters ?? []).map((p) => ('name' in p ? p.name : ''));
    expect(headers).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
    expect(hook?.requestBody).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/CallbackEvent' } } },
    });
  });

  it('is what the committed openapi.json holds (npm run sdk:generate after changing routes)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });

  it('serves the interactive reference at /docs', async () => {
    const r = await fetch(`${svc.url}/docs`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('/openapi.json');
  });
});
