// Shared pieces of the OpenAPI route definitions: problem responses, headers, security.
import { z } from '@hono/zod-openapi';
import { ProblemSchema } from '../http/problem.ts';

export const PROBLEM_JSON = 'application/problem+json';

export function problemResponse(description: string, headers?: Record<string, HeaderObject>) {
  return {
    description,
    content: { [PROBLEM_JSON]: { schema: ProblemSchema } },
    ...(headers ? { headers } : {}),
  } as const;
}

type HeaderObject = { description: string; schema: object; required?: boolean };

/** The same header, declared as always present on that response (conformance tests check it). */
export function requiredHeader<H extends HeaderObject>(header: H): H & { required: true } {
  return { ...header, required: true };
}

export const RETRY_AFTER = {
  description: 'Whole seconds to wait before asking again (RFC 9110 §10.2.3).',
  schema: { type: 'integer', minimum: 1 },
} as const;
export const LOCATION = { description: 'URL of the resource.', schema: { type: 'string' } } as const;
export const ETAG = {
  description: 'Entity tag of this representation.',
  schema: { type: 'string' },
} as const;
export const WWW_AUTHENTICATE = {
  description: 'RFC 6750 challenge: Bearer realm="async-jobs".',
  schema: { type: 'string' },
} as const;
export const IDEMPOTENT_REPLAYED = {
  description: '`true` when this answers a replayed Idempotency-Key (nothing new was created).',
  schema: { type: 'string', const: 'true' },
} as const;
export const PREFERENCE_APPLIED = {
  description: 'Echoes `wait=N` when the Prefer: wait preference was honoured (RFC 7240).',
  schema: { type: 'string' },
} as const;

/** Every authenticated route reads the database (the key lookup at least), so each may answer this. */
export const unavailableResponse = {
  503: problemResponse('The database is unreachable for the moment (an outage or restart); try again.', {
    'Retry-After': requiredHeader(RETRY_AFTER),
  }),
} as const;

export const authResponses = {
  401: problemResponse('Missing, malformed, unknown or revoked API key.', {
    'WWW-Authenticate': requiredHeader(WWW_AUTHENTICATE),
  }),
  ...unavailableResponse,
} as const;

/**
 * For routes that take no input a client could get wrong (health, metrics, the document): no
 * particular 4xx is expected, but should one happen it is a problem+json like every other error.
 */
export const clientErrorResponse = {
  '4XX': problemResponse('Not expected from this route; any client error is an RFC 9457 problem.'),
} as const;

export const jobNotFoundResponse = {
  404: problemResponse(
    "No such job for this API key (missing, another owner's, or a malformed id: all the same).",
  ),
} as const;

export const PreferHeaderSchema = z
  .string()
  .optional()
  .openapi({
    param: { name: 'prefer', in: 'header' },
    description: 'RFC 7240 `wait=N`: hold the answer up to N seconds (N above 60 counts as 60).',
    example: 'wait=10',
  });

export const IdempotencyKeyHeaderSchema = z
  .string()
  .optional()
  .openapi({
    param: { name: 'idempotency-key', in: 'header' },
    description: "1–255 printable ASCII characters, scoped to your API key's owner, kept 24 h.",
  });

export const BEARER_SECURITY = [{ bearerAuth: [] }];
