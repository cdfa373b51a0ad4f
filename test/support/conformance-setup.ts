// Vitest setup file (every test file): wraps globalThis.fetch so that each answer from a service
// started by startTestService is checked against the OpenAPI document the code generates, and
// fails the test (afterEach) with the list of answers the document does not describe. Raw fetch,
// owner.fetch and the SDK all go through here.
import { afterAll, afterEach } from 'vitest';
import { builtInJobTypes } from '../../src/job-types/registry.ts';
import { buildOpenApiDocument } from '../../src/openapi/document-app.ts';
import { createConformanceChecker } from './openapi-conformance.ts';
import { isServiceOrigin } from './service-origins.ts';
import { testJobTypes } from './test-job-types.ts';

const checkResponse = createConformanceChecker(
  buildOpenApiDocument(undefined, [...builtInJobTypes, ...testJobTypes]),
);
const violations: string[] = [];
const pending = new Set<Promise<void>>();
const originalFetch = globalThis.fetch;

function requestMethod(input: Parameters<typeof fetch>[0], init?: RequestInit): string {
  return (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
}

function record(method: string, response: Response): void {
  const mediaType = response.headers.get('content-type')?.split(';')[0]?.trim();
  // Event streams stay open: check their status and headers, never wait for their body.
  const bodyText =
    method === 'HEAD' || mediaType === 'text/event-stream' || !response.body
      ? Promise.resolve(undefined)
      : response.clone().text();
  const check = bodyText
    .then((body) => {
      // After a followed redirect the answer is the target's: a 303 is followed with GET.
      const effectiveMethod = response.redirected ? 'GET' : method;
      const found = checkResponse({
        method: effectiveMethod,
        url: response.url,
        status: response.status,
        headers: response.headers,
        body: body === '' ? undefined : body,
      });
      violations.push(...found);
    })
    // A body the test aborted cannot be checked; that is the test's choice, not a violation.
    .catch(() => {})
    .finally(() => pending.delete(check));
  pending.add(check);
}

globalThis.fetch = async function conformanceFetch(input: Parameters<typeof fetch>[0], init?: RequestInit) {
  const response = await originalFetch(input, init);
  const url = input instanceof Request ? input.url : String(input);
  if (isServiceOrigin(url)) record(requestMethod(input, init), response);
  return response;
};

async function failOnViolations() {
  await Promise.allSettled([...pending]);
  if (violations.length === 0) return;
  const found = violations.splice(0);
  throw new Error(`answers the OpenAPI document does not describe:\n  ${found.join('\n  ')}`);
}

afterEach(failOnViolations);
afterAll(failOnViolations);
