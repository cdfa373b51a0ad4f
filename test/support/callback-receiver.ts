// A real callback receiver on 127.0.0.1 with scripted answers: records every request (headers,
// raw body, arrival time) and lets a test wait for the n-th one instead of sleeping.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedRequest {
  index: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

/** Answers request `index` (0-based): write to `res` yourself, or return nothing to get 200. */
export type Script = (req: ReceivedRequest, res: http.ServerResponse) => void | Promise<void>;

export interface CallbackReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startReceiver(script: Script = () => {}, port = 0): Promise<CallbackReceiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const received = {
        index: requests.length,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      requests.push(received);
      for (const w of waiters.filter((w) => requests.length >= w.count)) w.resolve();
      try {
        await script(received, res);
      } finally {
        if (!res.headersSent && !res.writableEnded && !res.destroyed) res.end();
      }
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}/hook`,
    port: actualPort,
    requests,
    waitForRequests(count, timeoutMs = 20_000) {
      if (requests.length >= count) return Promise.resolve(requests);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`receiver got ${requests.length} of ${count} requests`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(requests);
          },
        });
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Verifies a received request with the standardwebhooks package, as a real receiver would. */
export function verifyWith(secret: string, req: ReceivedRequest): unknown {
  return new Webhook(secret).verify(req.body, {
    'webhook-id': String(req.headers['webhook-id']),
    'webhook-timestamp': String(req.headers['webhook-timestamp']),
    'webhook-signature': String(req.headers['webhook-signature']),
  });
}

/** Service settings that let callbacks reach receivers on 127.0.0.1 over plain http (tests only). */
export const LOCAL_CALLBACKS = { CALLBACK_ALLOW_HTTP: 'true', CALLBACK_ALLOWLIST: '127.0.0.1' } as const;
