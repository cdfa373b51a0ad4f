// One HTTP attempt to a callback receiver, connected to the address the destination check
// approved: node:http(s) with a `lookup` that answers only that address, so no second DNS query
// can rebind the name; SNI and Host stay the URL's. One deadline covers connect, send and read;
// the response body is read up to 64 KiB and dropped; redirects are never followed.
// Connections are kept alive in one agent per (origin, checked address): every socket an agent
// pools was opened through that address's pinned lookup, so a pooled socket can never reach an
// address that was not checked, and a name that now resolves elsewhere gets another agent.

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

/** Agents kept at most; the least recently used beyond it is closed. */
const MAX_AGENTS = 256;
/** An idle kept-alive socket is closed after this (below common servers' 5 s keep-alive). */
const IDLE_SOCKET_MS = 4000;
const agents = new Map<string, http.Agent>();

/** The agent for this origin AND this checked address (see the module comment). */
export function agentFor(url: URL, address: ResolvedAddress): http.Agent {
  const key = `${url.origin} ${address.address}`;
  const existing = agents.get(key);
  if (existing) {
    // Map order is insertion order: re-insert to mark it recently used.
    agents.delete(key);
    agents.set(key, existing);
    return existing;
  }
  const options = {
    keepAlive: true,
    maxSockets: 64,
    maxFreeSockets: 64,
    timeout: IDLE_SOCKET_MS,
    lookup: pinnedLookup(address),
  };
  const agent = url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
  agents.set(key, agent);
  if (agents.size > MAX_AGENTS) {
    const [oldestKey, oldest] = agents.entries().next().value as [string, http.Agent];
    agents.delete(oldestKey);
    oldest.destroy();
  }
  return agent;
}

/** Closes every kept-alive connection (on stop). */
export function closeDeliveryAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
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
        agent: agentFor(request.url, request.address),
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
