// Guards in front of every JSON body: 415 unless application/json, 413 over MAX_BODY_BYTES,
// 400 when empty, malformed or nested deeper than 64 levels, 422 for strings Postgres's jsonb
// cannot store (NUL, lone surrogates) or a `__proto__` key — so nothing a client sends reaches the
// database as a 500 or is silently dropped.
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { firstPointerWhere } from '../db/json-pointer.ts';
import { findUnstorableString } from '../db/storable-json.ts';
import type { AppEnv } from './app-env.ts';
import { closeAfterAnswer } from './lingering-close.ts';
import { ProblemError, validationFailed } from './problem.ts';

export const MAX_JSON_DEPTH = 64;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
// The same media types hono's JSON validator reads (application/json, application/x+json): a type
// it would skip would leave the body unvalidated.
const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/** Deepest nesting of arrays/objects in a JSON text, scanning outside strings; stops early past `limit`. */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 91 || ch === 123 /* [ { */) {
      if (++depth > limit) return true;
    } else if (ch === 93 || ch === 125) depth--;
  }
  return false;
}

/**
 * JSON Pointer of the first `__proto__` key, if any. JSON.parse keeps it as data, but the first
 * plain-object copy (a schema parse, a spread) turns it into a prototype and the data is silently
 * lost, so it is refused up front — as Fastify does by default (onProtoPoisoning: 'error').
 */
export function findProtoKey(value: unknown): string | undefined {
  return firstPointerWhere(value, { badKey: (key) => key === '__proto__' });
}

export const PROTO_KEY_DETAIL = 'Keys named __proto__ are not accepted.';

/**
 * The body's bytes, refused with 413 past `maxBytes`. A declared Content-Length is checked before
 * reading and the body is then read straight from the socket (@hono/node-server's direct read);
 * only a chunked body goes through hono's bodyLimit, whose streaming check builds a web Request.
 */
async function readBodyBytes(
  c: Parameters<MiddlewareHandler<AppEnv>>[0],
  maxBytes: number,
  limit: MiddlewareHandler,
): Promise<ArrayBuffer> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
    if (Number.parseInt(declared, 10) > maxBytes) throw payloadTooLarge(c, maxBytes);
    return c.req.arrayBuffer();
  }
  let bytes: ArrayBuffer | undefined;
  await limit(c, async () => {
    bytes = await c.req.arrayBuffer();
  });
  return bytes ?? new ArrayBuffer(0);
}

function payloadTooLarge(c: Parameters<MiddlewareHandler<AppEnv>>[0], maxBytes: number): ProblemError {
  return new ProblemError(
    'payload-too-large',
    `The request body exceeds ${maxBytes} bytes.`,
    {},
    closeAfterAnswer(c),
  );
}

export function jsonBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      throw payloadTooLarge(c, maxBytes);
    },
  });
  return async function parseJsonBody(c, next) {
    const contentType = c.req.header('content-type') ?? '';
    if (!JSON_MEDIA_TYPE.test(contentType)) {
      throw new ProblemError('unsupported-media-type', 'Send the body as Content-Type: application/json.');
    }
    // RFC 8259 §8.1: JSON is UTF-8. A lenient decode would turn bad bytes into U+FFFD silently.
    let text: string;
    try {
      text = STRICT_UTF8.decode(await readBodyBytes(c, maxBytes, limit));
    } catch (error) {
      if (error instanceof ProblemError) throw error;
      throw new ProblemError('malformed-json', 'The request body is not valid UTF-8.');
    }
    if (text.trim() === '') throw new ProblemError('malformed-json', 'The request body is empty.');
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
      throw new ProblemError('malformed-json', `The JSON is nested deeper than ${MAX_JSON_DEPTH} levels.`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new ProblemError(
        'malformed-json',
        `The request body is not valid JSON: ${(error as Error).message}`,
      );
    }
    // Both walks below look for what can reach the parsed value only through a \u escape or the
    // literal key: the strict decoder refuses invalid UTF-8 (no raw lone surrogate) and JSON.parse
    // refuses raw control characters in strings (no raw NUL). Most bodies have neither, and the
    // walks cost as much as the parse on a batch of 1,000 jobs.
    const mayHoldUnsafe = text.includes('\\u') || text.includes('__proto__');
    const pointer = mayHoldUnsafe ? findUnstorableString(parsed) : undefined;
    if (pointer !== undefined) {
      throw validationFailed(
        [{ pointer, detail: 'Strings may not contain U+0000 or unpaired surrogates.' }],
        'The request body holds a string that cannot be stored.',
      );
    }
    const protoKey = mayHoldUnsafe ? findProtoKey(parsed) : undefined;
    if (protoKey !== undefined) {
      throw validationFailed(
        [{ pointer: protoKey, detail: PROTO_KEY_DETAIL }],
        'The request body holds a __proto__ key.',
      );
    }
    c.set('jsonBody', parsed);
    // The route's zod validator reads c.req.json(), which hono builds by parsing c.req.text() again
    // (or, without a cached body, by rebuilding it as a web Response to decode it): hand it the
    // value parsed above. zod builds new objects, so the value stays as the client sent it.
    // Cache the text too (hono types the cache by the resolved value but reads it as a promise).
    c.req.json = <T>() => Promise.resolve(parsed as T);
    c.req.bodyCache.text = Promise.resolve(text) as unknown as string;
    await next();
  };
}
