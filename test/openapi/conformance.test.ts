import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../src/openapi/document-app.ts';
import { createConformanceChecker, type ObservedResponse } from '../support/openapi-conformance.ts';

const check = createConformanceChecker(buildOpenApiDocument());
const BASE = 'http://127.0.0.1:1';

const job = {
  id: 'j1',
  type: 'demo.sleep',
  status: 'queued',
  progress: null,
  attempt: 0,
  metadata: {},
  created_at: '2025-01-01T00:00:00.000Z',
  started_at: null,
  finished_at: null,
  run_at: null,
  priority: 0,
  error: null,
  callback: null,
  links: { self: '/v1/jobs/j1', events: '/v1/jobs/j1/events', cancel: '/v1/jobs/j1/cancel' },
};

function answer(
  over: Partial<Omit<ObservedResponse, 'headers'>> & { headers?: Record<string, string> },
): ObservedResponse {
  return {
    method: 'POST',
    url: `${BASE}/v1/jobs`,
    status: 202,
    body: JSON.stringify(job),
    ...over,
    headers: new Headers({ 'content-type': 'application/json', ...over.headers }),
  };
}

describe('conformance checks', () => {
  it('accepts an answer the document describes', () => {
    expect(check(answer({ headers: { location: '/v1/jobs/j1', 'retry-after': '1' } }))).toEqual([]);
  });

  it('flags a status the operation does not declare', () => {
    expect(check(answer({ status: 201 }))).toEqual([
      expect.stringContaining('status not declared for POST /v1/jobs'),
    ]);
  });

  it('flags a required header that is missing', () => {
    expect(check(answer({ headers: { 'retry-after': '1' } }))).toEqual([
      expect.stringContaining('required header Location missing'),
    ]);
  });

  it('flags a header value its schema refuses (Retry-After is whole seconds ≥ 1)', () => {
    const found = check(answer({ headers: { location: '/v1/jobs/j1', 'retry-after': '0.5' } }));
    expect(found).toEqual([expect.stringContaining('header Retry-After')]);
  });

  it('flags a body that does not match the schema', () => {
    const found = check(
      answer({
        headers: { location: '/v1/jobs/j1', 'retry-after': '1' },
        body: JSON.stringify({ ...job, status: 'paused' }),
      }),
    );
    expect(found.join()).toMatch(/body \/status/);
  });

  it('flags a content type that is not declared', () => {
    const found = check(
      answer({ headers: { 'content-type': 'text/plain', location: '/x', 'retry-after': '1' } }),
    );
    expect(found).toEqual([expect.stringContaining('Content-Type text/plain not declared')]);
  });

  it('matches templated paths and checks problem bodies', () => {
    const notFound = {
      type: 'https://async-jobs.dev/problems/job-not-found',
      title: 'Job not found',
      status: 404,
      detail: 'No job with this id exists for your API key.',
    };
    const ok = answer({
      method: 'GET',
      url: `${BASE}/v1/jobs/abc`,
      status: 404,
      headers: { 'content-type': 'application/problem+json' },
      body: JSON.stringify(notFound),
    });
    expect(check(ok)).toEqual([]);
    expect(check({ ...ok, body: JSON.stringify({ error: 'nope' }) }).join()).toMatch(/required property/);
  });

  it('flags an answer on a route the document does not have, unless it is the 404 problem', () => {
    const unknown = answer({ method: 'GET', url: `${BASE}/v2/things`, status: 200 });
    expect(check(unknown)).toEqual([expect.stringContaining('no operation in the document')]);
    const notFound = answer({
      method: 'GET',
      url: `${BASE}/v2/things`,
      status: 404,
      headers: { 'content-type': 'application/problem+json' },
    });
    expect(check(notFound)).toEqual([]);
  });

  it('wraps globalThis.fetch in every test file (setupFiles)', () => {
    expect(globalThis.fetch.name).toBe('conformanceFetch');
  });
});
