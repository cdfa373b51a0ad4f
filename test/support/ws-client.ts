// A WebSocket test client: queues the server's JSON messages so a test can await the next one
// matching a predicate, and records how the socket closed.
import WebSocket from 'ws';

export interface WsTestClient {
  ws: WebSocket;
  send(message: unknown): void;
  next(match?: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
}

export function openWs(
  baseUrl: string,
  options: WebSocket.ClientOptions & { key?: string } = {},
): Promise<WsTestClient> {
  const { key, ...wsOptions } = options;
  const headers = { ...(wsOptions.headers ?? {}), ...(key ? { authorization: `Bearer ${key}` } : {}) };
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/ws`, { ...wsOptions, headers });
  const inbox: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    inbox.push(JSON.parse(String(data)));
    for (const w of waiters) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      resolve({ code, reason: String(reason) });
      for (const w of waiters) w();
    });
  });
  const client: WsTestClient = {
    ws,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next(match = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const i = inbox.findIndex(match);
          if (i >= 0) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(inbox.splice(i, 1)[0] as Record<string, unknown>);
          } else if (ws.readyState === WebSocket.CLOSED) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error('socket closed before the expected message'));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching message within ${timeoutMs} ms; inbox: ${JSON.stringify(inbox)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    closed,
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) =>
      reject(Object.assign(new Error('upgrade refused'), { status: res.statusCode })),
    );
    ws.once('error', reject);
  });
}
