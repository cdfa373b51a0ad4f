// Checks one HTTP answer against the OpenAPI document: the operation exists, the status is
// declared for it, required headers are present and valid, and the body matches the schema for
// its content type. Pure: conformance-setup.ts feeds it every answer the tests receive.
import type { OpenApiDocument } from '../../src/openapi/document-config.ts';
import { createJsonSchemaValidator } from './json-schema-validator.ts';

export interface ObservedResponse {
  method: string;
  url: string;
  status: number;
  headers: Headers;
  /** The body text, or undefined when it is not checked (event streams). */
  body: string | undefined;
}

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  params: number;
  responses: Record<string, Json>;
}

type Json = Record<string, unknown>;
const DOC_ID = 'urn:async-jobs:openapi';
// Streams are checked for status and headers only: their bodies never end while a test reads them.
const UNCHECKED_BODY_TYPES = new Set(['text/event-stream']);

const escapePointer = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1');

export function createConformanceChecker(document: OpenApiDocument) {
  const ajv = createJsonSchemaValidator(document, DOC_ID);
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries((item ?? {}) as Record<string, Json>)) {
      if (!['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(method)) continue;
      const source = template
        .split(/(\{[^}]+\})/)
        .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('');
      operations.push({
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${source}$`),
        params: (template.match(/\{/g) ?? []).length,
        responses: (operation.responses ?? {}) as Record<string, Json>,
      });
    }
  }
  // A literal path wins over a templated one (/v1/webhook-secret/rotate before /{id} forms).
  operations.sort((a, b) => a.params - b.params);

  const findOperation = (method: string, path: string) =>
    operations.find((op) => op.method === method && op.pattern.test(path));

  function validate(pointer: string, value: unknown): string[] {
    const validator = ajv.getSchema(`${DOC_ID}#${pointer}`);
    if (!validator) return [`no schema at ${pointer}`];
    if (validator(value)) return [];
    return (validator.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
  }

  /** Everything wrong with this answer; empty when it conforms. */
  return function checkResponse(r: ObservedResponse): string[] {
    const path = new URL(r.url).pathname;
    const what = `${r.method} ${path} → ${r.status}`;
    const op = findOperation(r.method, path);
    if (!op) {
      // Unknown routes answer the app's notFound problem, which no operation can declare.
      const isProblem = r.headers.get('content-type')?.startsWith('application/problem+json');
      // Likewise a known path with a method it lacks: the app's 405 problem with Allow.
      const isMethodNotAllowed = r.status === 405 && isProblem && r.headers.has('allow');
      return (r.status === 404 || isMethodNotAllowed) && isProblem
        ? []
        : [`${what}: no operation in the document`];
    }
    const opPointer = `/paths/${escapePointer(op.template)}/${op.method.toLowerCase()}`;
    const declared = op.responses;
    const statusKey = [String(r.status), `${String(r.status)[0]}XX`, 'default'].find((k) => k in declared);
    if (!statusKey) return [`${what}: status not declared for ${op.method} ${op.template}`];
    const response = declared[statusKey] as Json;
    const base = `${opPointer}/responses/${statusKey}`;
    const problems: string[] = [];

    for (const [name, header] of Object.entries((response.headers ?? {}) as Record<string, Json>)) {
      const value = r.headers.get(name);
      if (value === null) {
        if (header.required) problems.push(`${what}: required header ${name} missing`);
        continue;
      }
      const schema = header.schema as Json | undefined;
      const typed = schema?.type === 'integer' && /^-?\d+$/.test(value) ? Number(value) : value;
      for (const e of validate(`${base}/headers/${escapePointer(name)}/schema`, typed)) {
        problems.push(`${what}: header ${name}: ${e}`);
      }
    }

    const content = response.content as Record<string, Json> | undefined;
    const mediaType = r.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (!content) {
      if (r.body) problems.push(`${what}: a body, but the document declares none`);
      return problems;
    }
    if (!mediaType) {
      problems.push(`${what}: no Content-Type, expected one of ${Object.keys(content).join(', ')}`);
      return problems;
    }
    if (!(mediaType in content)) {
      problems.push(`${what}: Content-Type ${mediaType} not declared (${Object.keys(content).join(', ')})`);
      return problems;
    }
    if (r.body === undefined || UNCHECKED_BODY_TYPES.has(mediaType)) return problems;
    const isJson = mediaType === 'application/json' || mediaType.endsWith('+json');
    let value: unknown = r.body;
    if (isJson) {
      try {
        value = JSON.parse(r.body);
      } catch {
        return [...problems, `${what}: ${mediaType} body is not JSON`];
      }
    }
    for (const e of validate(`${base}/content/${escapePointer(mediaType)}/schema`, value)) {
      problems.push(`${what}: body ${e}`);
    }
    return problems;
  };
}
