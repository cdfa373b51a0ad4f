// One HTTP attempt to a callback receiver, connected to the address the destination check
// approved: node:http(s) with a `lookup` that answers only that address, so no second DNS query
// can rebind the name; SNI and Host stay the URL's. One deadline covers connect, send and read;
// the response body is read up to 64 KiB and dropped; redirects are never followed.

import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedAddress } from './destination.ts';

export const RESPONSE_BODY_CAP_BYTES = 64 * 1024;
export const USER_AGENT = 'async-jobs-webhooks/1.0 (+https://www.standardwebhooks.com)';

export interface DeliveryRequest {
  url: URL;
  /** The approved address: the only one this request may connect to. */
  address: ResolvedAddress;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface DeliveryResponse {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  retryAfter: string | undefined;
}

function pinnedLookup(address: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    // Node asks for all addresses when autoSelectFamily is on (the default since 20).
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: address.address, family: address.family },
      ]);
    } else callback(null, address.address, address.family);
  };
}

export function deliverOnce(request: DeliveryRequest): Promise<DeliveryResponse> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const client = request.url.protocol === 'https:' ? https : http;
  const body = Buffer.from(request.body, 'utf8');
  return new Promise<DeliveryResponse>((resolve) => {
    let settled = false;
    const finish = (statusCode: number | null, error: string | null, retryAfter?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve({ statusCode, error, durationMs: elapsed(), retryAfter });
    };
    const req = client.request(
      request.url,
      {
        method: 'POST',
        lookup: pinnedLookup(request.address),
        // A fresh connection per attempt: nothing pooled can carry a socket to another address.
        agent: false,
        headers: {
          ...request.headers,
          'content-type': 'application/json',
          'content-length': String(body.length),
          'user-agent': USER_AGENT,
        },
      },
      (res) => {
        const statusCode = res.statusCode ?? null;
        const retryAfter = res.headers['retry-after'];
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          // The status is known; more body than the cap is not worth reading.
          if (read > RESPONSE_BODY_CAP_BYTES) {
            finish(statusCode, null, retryAfter);
            res.destroy();
          }
        });
        res.on('end', () => finish(statusCode, null, retryAfter));
        res.on('error', () => finish(statusCode, null, retryAfter));
        res.on('close', () => finish(statusCode, null, retryAfter));
      },
    );
    const deadline = setTimeout(() => {
      finish(null, `timeout after ${request.timeoutMs} ms`);
      req.destroy();
    }, request.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => finish(null, error.code ?? error.message));
    req.end(body);
  });
}
