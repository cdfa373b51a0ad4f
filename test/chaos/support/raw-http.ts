// Raw HTTP/1.1 over a TCP socket, for requests no well-behaved client would send: slow, huge,
// malformed. Collects whatever the server answers until it closes the connection.
import { connect } from 'node:net';

export interface RawAnswer {
  /** The status code of the first answer, or 0 when none came. */
  status: number;
  text: string;
  /** How the exchange ended: the server closed, or our own deadline passed. */
  ended: 'closed' | 'timeout';
  ms: number;
}

export function rawRequest(
  baseUrl: string,
  write: (socket: import('node:net').Socket) => void | Promise<void>,
  timeoutMs = 20_000,
): Promise<RawAnswer> {
  const { port, hostname } = new URL(baseUrl);
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    let settled = false;
    const finish = (ended: RawAnswer['ended']) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, text, ended, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    socket.on('error', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('connect', () => {
      Promise.resolve(write(socket)).catch(() => {});
    });
  });
}

/** Writes `bytes` one chunk at a time every intervalMs, while the socket is open. */
export async function dribble(socket: import('node:net').Socket, bytes: string, intervalMs: number) {
  for (const ch of bytes) {
    if (socket.destroyed) return;
    socket.write(ch);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
