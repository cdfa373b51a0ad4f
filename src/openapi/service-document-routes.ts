// Route definitions of GET /openapi.json and GET /docs, so the document describes itself too.
import { createRoute, z } from '@hono/zod-openapi';
import { clientErrorResponse } from '../routes/openapi-common.ts';

export const getOpenApiDocumentRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenApiDocument',
  tags: ['service'],
  summary: 'This OpenAPI 3.1 document',
  security: [],
  responses: {
    200: {
      description: 'The document, generated from the same zod schemas that validate requests.',
      content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
    },
    ...clientErrorResponse,
  },
});

export const getApiReferenceRoute = createRoute({
  method: 'get',
  path: '/docs',
  operationId: 'getApiReference',
  tags: ['service'],
  summary: 'Interactive API reference',
  security: [],
  responses: {
    200: {
      description: 'An HTML page (Swagger UI, served from the service itself: it works offline).',
      content: { 'text/html': { schema: z.string() } },
    },
    ...clientErrorResponse,
  },
});
