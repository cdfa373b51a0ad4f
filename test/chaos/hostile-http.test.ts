// Chaos 5 — hostile HTTP: slowloris headers and bodies (server timeouts are set), bodies over the
// limit with and without Content-Length, 10 MB of headers, invalid UTF-8, 100,000 nesting levels,
// __proto__/constructor keys, NUL and control characters in every path, query parameter and
// header, very long ids. Each gets a 4xx (or a closed connection after a readable answer), never
// a 5xx, and the service keeps serving another client meanwhile.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../src/openapi/document-app.ts';
import { killChildren, removeTempDirs } from '../support/child-service.ts';
import { authHeaders, type ChaosService, percentile, report, startChaosService } from './support/chaos.ts';
import { dribble, rawRequest } from './support/raw-http.ts';

afterEach(killChildren);
afterAll(removeTempDirs);

const MAX_BODY_BYTES = 65_536;

/** Another client, served throughout: its answers and latencies. */
function startBystander(service: ChaosService) {
  const latencies: number[] = [];
  const failures: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const res = await fetch(`${service.url}/v1/jobs?limit=5`, { headers: authHeaders(service.key) });
        await res.text();
        if (res.status !== 200) failures.push(String(res.status));
      } catch (error) {
        failures.push(String(error));
      }
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    latencies,
    failures,
    async stop() {
      running = false;
      await loop;
    },
  };
}

const head = (service: ChaosService, lines: string[]) =>
  [...lines, `Authorization: Bearer ${service.key}`, 'Host: 127.0.0.1', '', ''].join('\r\n');

describe('hostile HTTP clients', () => {
  it('answers every hostile request with a 4xx or a closed connection, and serves others meanwhile', async () => {
    const service = await startChaosService({ MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
    const bystander = startBystander(service);
    const outcomes: Array<{ what: string; status: number; ended: string }> = [];
    const record = (what: string, answer: { status: number; ended: string }) =>
      outcomes.push({ what, status: answer.status, ended: answer.ended });

    // Slowloris: headers and a body at a byte a second, twenty connections of each, all at once.
    const slow = [
      ...Array.from({ length: 20 }, () =>
        rawRequest(
          service.url,
          (s) =>
            dribble(
              s,
              'GET /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
              1000,
            ),
          45_000,
        ).then((a) => record('slowloris headers', a)),
      ),
      ...Array.from({ length: 20 }, () =>
        rawRequest(
          service.url,
          async (s) => {
            s.write(
              head(service, [
                'POST /v1/jobs HTTP/1.1',
                'Content-Type: application/json',
                'Content-Length: 200',
              ]),
            );
            await dribble(s, `{"type":"demo.sleep","input":{}}${' '.repeat(168)}`, 1000);
          },
          60_000,
        ).then((a) => record('slowloris body', a)),
      ),
    ];

    const big = 'a'.repeat(MAX_BODY_BYTES * 4);
    const hostile: Array<[string, (s: import('node:net').Socket) => void]> = [
      [
        'body over the limit with Content-Length',
        (s) => {
          s.write(
            head(service, [
              'POST /v1/jobs HTTP/1.1',
              'Content-Type: application/json',
              `Content-Length: ${big.length}`,
            ]),
          );
          s.write(big);
        },
      ],
      [
        'body over the limit, chunked (no Content-Length)',
        (s) => {
          s.write(
            head(service, [
              'POST /v1/jobs HTTP/1.1',
              'Content-Type: application/json',
              'Transfer-Encoding: chunked',
            ]),
          );
          for (let i = 0; i < 8; i++) s.write(`8000\r\n${'a'.repeat(0x8000)}\r\n`);
          s.write('0\r\n\r\n');
        },
      ],
      [
        '10 MB of headers',
        (s) => {
          s.write('GET /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n');
          for (let i = 0; i < 10; i++) s.write(`X-Big-${i}: ${'b'.repeat(1024 * 1024)}\r\n`);
          s.write('\r\n');
        },
      ],
      [
        'invalid UTF-8 in the body',
        (s) => {
          const body = Buffer.concat([
            Buffer.from('{"type":"demo.sleep","input":{"output":"'),
            Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
            Buffer.from('"}}'),
          ]);
          s.write(
            head(service, [
              'POST /v1/jobs HTTP/1.1',
              'Content-Type: application/json',
              `Content-Length: ${body.length}`,
            ]),
          );
          s.write(body);
        },
      ],
      [
        '100,000 nesting levels',
        (s) => {
          const body = `{"type":"demo.sleep","input":{"output":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
          s.write(
            head(service, [
              'POST /v1/jobs HTTP/1.1',
              'Content-Type: application/json',
              `Content-Length: ${body.length}`,
            ]),
          );
          s.write(body);
        },
      ],
    ];
    for (const [what, write] of hostile) record(what, await rawRequest(service.url, write));

    // NUL and control characters in every path parameter, query parameter and header parameter
    // the document names, and very long ids.
    const document = buildOpenApiDocument();
    const nasty = ['%00', 'a%00b', '%01', '%1B%5B31m', '%7F', '%0D%0AX-Injected:%201'];
    for (const [template, item] of Object.entries(document.paths ?? {})) {
      for (const [method, op] of Object.entries(
        item as Record<string, { parameters?: Array<{ name: string; in: string }> }>,
      )) {
        const params = op.parameters ?? [];
        // Routes that take no path or query parameter have nowhere to carry the value.
        const carries = template.includes('{') || params.some((p) => p.in === 'query');
        for (const value of carries ? nasty : []) {
          const path = template.replace(/\{[^}]+\}/g, value);
          const query = params
            .filter((p) => p.in === 'query')
            .map((p) => `${p.name}=${value}`)
            .join('&');
          const res = await fetch(`${service.url}${path}${query ? `?${query}` : ''}`, {
            method: method.toUpperCase(),
            headers: authHeaders(service.key),
            ...(method === 'post' ? { body: '{}' } : {}),
          });
          await res.text();
          outcomes.push({
            what: `${method.toUpperCase()} ${template} with ${value}`,
            status: res.status,
            ended: 'answered',
          });
        }
        for (const header of params
          .filter((p) => p.in === 'header')
          .map((p) => p.name)
          .concat(['authorization'])) {
          for (const raw of ['\x00', '\x01', '\x7f', '\x1b[31m']) {
            const answer = await rawRequest(service.url, (s) => {
              s.write(
                [
                  `${method.toUpperCase()} ${template.replace(/\{[^}]+\}/g, 'x')} HTTP/1.1`,
                  'Host: 127.0.0.1',
                  header === 'authorization'
                    ? `authorization: Bearer sk_${raw}`
                    : `Authorization: Bearer ${service.key}`,
                  ...(header === 'authorization' ? [] : [`${header}: a${raw}b`]),
                  'Content-Length: 0',
                  'Connection: close',
                  '',
                  '',
                ].join('\r\n'),
              );
            });
            record(
              `${method.toUpperCase()} ${template} header ${header} with ${JSON.stringify(raw)}`,
              answer,
            );
          }
        }
      }
    }
    for (const length of [1000, 10_000]) {
      const res = await fetch(`${service.url}/v1/jobs/${'x'.repeat(length)}`, {
        headers: authHeaders(service.key),
      });
      await res.text();
      outcomes.push({ what: `id of ${length} characters`, status: res.status, ended: 'answered' });
    }
    // Past Node's 16 KiB header limit the HTTP parser answers 431 itself, before any route.
    record(
      'id of 100,000 characters',
      await rawRequest(service.url, (s) => {
        s.write(`GET /v1/jobs/${'x'.repeat(100_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      }),
    );
    // A __proto__ key is refused (the first object copy would turn it into a prototype and drop
    // it); constructor/prototype keys are plain data and come back exactly as sent.
    const proto = await fetch(`${service.url}/v1/jobs`, {
      method: 'POST',
      headers: authHeaders(service.key),
      body: '{"type":"demo.sleep","input":{"duration_ms":0,"output":{"__proto__":{"polluted":true}}}}',
    });
    const protoProblem = (await proto.json()) as { errors: Array<{ pointer: string }> };
    outcomes.push({ what: '__proto__ key', status: proto.status, ended: 'answered' });
    expect(protoProblem.errors[0]?.pointer).toBe('/input/output/__proto__');
    const ctor = await fetch(`${service.url}/v1/jobs`, {
      method: 'POST',
      headers: authHeaders(service.key),
      body: '{"type":"demo.sleep","input":{"duration_ms":0,"output":{"constructor":{"prototype":{"polluted":true}}}}}',
    });
    expect(ctor.status).toBe(202);
    const { id: ctorId } = (await ctor.json()) as { id: string };
    let result: Response | undefined;
    for (let i = 0; i < 100 && result?.status !== 200; i++) {
      if (result) await result.text();
      await new Promise((r) => setTimeout(r, 100));
      result = await fetch(`${service.url}/v1/jobs/${ctorId}/result`, { headers: authHeaders(service.key) });
    }
    const { output } = (await (result as Response).json()) as { output: unknown };
    expect(JSON.stringify(output)).toBe('{"constructor":{"prototype":{"polluted":true}}}');

    await Promise.all(slow);
    await bystander.stop();

    const fiveHundreds = outcomes.filter((o) => o.status >= 500);
    // Every hostile request got a 4xx, or (slowloris, 10 MB of headers) a closed connection.
    const unanswered = outcomes.filter((o) => o.ended === 'timeout');
    const notClientError = outcomes.filter(
      (o) => !(o.status >= 400 && o.status < 500) && !(o.status === 0 && o.ended === 'closed'),
    );
    expect(fiveHundreds).toEqual([]);
    expect(unanswered).toEqual([]);
    expect(notClientError).toEqual([]);
    expect(bystander.failures).toEqual([]);
    report('hostile-http', {
      hostile_requests: outcomes.length,
      answers_4xx: outcomes.filter((o) => o.status >= 400 && o.status < 500).length,
      closed_without_answer: outcomes.filter((o) => o.status === 0).length,
      responses_5xx: fiveHundreds.length,
      bystander_requests: bystander.latencies.length,
      bystander_failures: bystander.failures.length,
      bystander_p99_ms: Math.round(percentile(bystander.latencies, 99)),
    });
    expect(await service.terminate()).toBe(0);
  }, 240_000);
});
