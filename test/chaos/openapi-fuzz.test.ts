// Chaos 6 — property-based fuzzing from the OpenAPI document: thousands of requests over every
// route, with path, query, header and body values drawn from the document's own schemas (valid)
// or from any JSON / any string (invalid). Never a 5xx, and every answer matches the document
// (conformance-setup.ts checks each one against the schemas and fails the test otherwise).
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killChildren, removeTempDirs } from '../support/child-service.ts';
import { authHeaders, report, startChaosService, submit } from './support/chaos.ts';
import { createSchemaArbitraries } from './support/schema-arbitrary.ts';

afterEach(killChildren);
afterAll(removeTempDirs);

const RUNS = 3000;
const ADMIN_TOKEN = 'chaos-admin-token-0123456789abcdef';

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema?: Record<string, unknown>;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Record<string, unknown> }> };
  security?: Array<Record<string, unknown>>;
}

describe('fuzzing every route from the OpenAPI document', () => {
  it('never answers 5xx, and every answer matches the document', async () => {
    const service = await startChaosService({ ADMIN_TOKEN, LOG_LEVEL: 'warn' });
    const document = (await (await fetch(`${service.url}/openapi.json`)).json()) as Record<string, unknown>;
    const arbitraryOf = createSchemaArbitraries(document);
    // Real ids in every state, so path ids sometimes name something.
    const ids: string[] = [];
    for (const input of [
      { duration_ms: 0 },
      { duration_ms: 0, fail_with: 'on purpose' },
      { duration_ms: 600_000, steps: 1000 },
    ]) {
      const r = await submit(() => service.url, service.key, { type: 'demo.sleep', input });
      ids.push(r.id as string);
    }

    const operations: Array<{ method: string; template: string; op: Operation }> = [];
    for (const [template, item] of Object.entries(
      document.paths as Record<string, Record<string, Operation>>,
    )) {
      for (const [method, op] of Object.entries(item))
        operations.push({ method: method.toUpperCase(), template, op });
    }
    // Some invalid value, often hostile text.
    const junk = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.constantFrom('', '%00', '../..', 'x'.repeat(300)),
    );
    const paramValue = (schema: Record<string, unknown> | undefined) =>
      fc.oneof({ weight: 3, arbitrary: arbitraryOf(schema) }, { weight: 1, arbitrary: junk });

    const request = fc.constantFrom(...operations).chain(({ method, template, op }) => {
      const params = op.parameters ?? [];
      const bodySchema = op.requestBody?.content?.['application/json']?.schema;
      return fc.record({
        method: fc.constant(method),
        template: fc.constant(template),
        // An empty segment would name another route (/v1/jobs/ instead of /v1/jobs/{id}), and so
        // would a dot segment, which the URL parser removes (/admin/api-keys/. is /admin/api-keys/).
        path: fc.tuple(
          ...params
            .filter((p) => p.in === 'path')
            .map(() =>
              fc.oneof(
                fc.constantFrom(...ids),
                junk.filter((v) => v !== '' && v !== '.' && v !== '..'),
              ),
            ),
        ),
        query: fc.tuple(
          ...params
            .filter((p) => p.in === 'query')
            .map((p) => fc.option(paramValue(p.schema).map((v) => [p.name, String(v)] as const))),
        ),
        idempotencyKey: params.some((p) => p.name === 'idempotency-key')
          ? fc.option(fc.string({ maxLength: 80 }))
          : fc.constant(null),
        lastEventId: params.some((p) => p.name === 'last-event-id')
          ? fc.option(fc.string({ maxLength: 20 }))
          : fc.constant(null),
        body: bodySchema
          ? fc.oneof(
              { weight: 4, arbitrary: arbitraryOf(bodySchema) },
              { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
            )
          : fc.constant(undefined),
        auth: fc.constantFrom('key', 'key', 'key', 'admin', 'bad', 'none'),
      });
    });

    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        let i = 0;
        const path = r.template.replace(/\{[^}]+\}/g, () => encodeURIComponent(String(r.path[i++] ?? '')));
        const query = new URLSearchParams();
        for (const pair of r.query) if (pair) query.append(pair[0], pair[1]);
        const headers: Record<string, string> = {};
        const token = { key: service.key, admin: ADMIN_TOKEN, bad: 'sk_wrongwrongwrong', none: undefined }[
          r.auth
        ];
        if (token) headers.authorization = `Bearer ${token}`;
        if (r.template.startsWith('/admin') && r.auth === 'key')
          headers.authorization = `Bearer ${ADMIN_TOKEN}`;
        if (r.idempotencyKey !== null)
          headers['idempotency-key'] = r.idempotencyKey.replace(/[^\x20-\x7e]/g, '');
        if (r.lastEventId !== null) headers['last-event-id'] = r.lastEventId.replace(/[^\x20-\x7e]/g, '');
        if (r.body !== undefined) headers['content-type'] = 'application/json';
        const res = await fetch(`${service.url}${path}${query.size ? `?${query}` : ''}`, {
          method: r.method,
          headers,
          ...(r.body !== undefined ? { body: JSON.stringify(r.body) } : {}),
          redirect: 'manual',
          signal: AbortSignal.timeout(30_000),
        });
        // An event stream stays open: its status and headers are what is checked.
        if (res.headers.get('content-type')?.startsWith('text/event-stream')) await res.body?.cancel();
        else await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, `${r.method} ${path}`).toBeLessThan(500);
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    const count = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(count).toBe(RUNS);
    report('openapi-fuzz', {
      requests: count,
      operations: operations.length,
      answers: [...statuses]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}x${n}`)
        .join(','),
      responses_5xx: [...statuses].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0),
    });
    await fetch(`${service.url}/v1/jobs/${ids[2]}/cancel`, {
      method: 'POST',
      headers: authHeaders(service.key),
    }).then((r) => r.text());
    expect(await service.terminate()).toBe(0);
  }, 300_000);
});
