// Verifies a callback from the service (Standard Webhooks signature over the raw body) and
// returns the parsed event. Throws standardwebhooks' WebhookVerificationError when it is not
// authentic or its timestamp is more than 5 minutes away.
import { Webhook } from 'standardwebhooks';
import type { CallbackEvent } from './api-types.ts';

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function headerOf(headers: HeaderSource, name: string): string {
  if (headers instanceof Headers) return headers.get(name) ?? '';
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(' ') : (value ?? '');
}

/** `rawBody` must be the exact bytes received: a re-serialized JSON body will not verify. */
export function verifyCallback(
  rawBody: string | Uint8Array,
  headers: HeaderSource,
  secret: string | readonly string[],
): CallbackEvent {
  const required = {
    'webhook-id': headerOf(headers, 'webhook-id'),
    'webhook-timestamp': headerOf(headers, 'webhook-timestamp'),
    'webhook-signature': headerOf(headers, 'webhook-signature'),
  };
  // During a rotation the receiver may hold two secrets: any one of them verifying is enough.
  const secrets = typeof secret === 'string' ? [secret] : secret;
  // A Buffer is a Uint8Array; the package's types stay free of Node's.
  const body = typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(rawBody);
  let lastError: unknown = new Error('no webhook secret given');
  for (const s of secrets) {
    try {
      return new Webhook(s).verify(body, required) as CallbackEvent;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
