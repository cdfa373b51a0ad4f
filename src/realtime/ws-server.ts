// The WebSocket transport of GET /v1/ws (RFC 6455, `ws` package) on the node server's 'upgrade'
// event: authenticates the upgrade (ws-auth.ts), enforces the process's bounds — sockets per
// owner, sockets not yet authenticated — pings, and closes everything on stop. What a connection
// does with its messages is ws-connection.ts; submitting is handed in (routes/jobs/submit-message.ts).
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { AppDeps } from '../app-deps.ts';
import { bearerToken, unauthorized } from '../http/auth.ts';
import { type Problem, ProblemError } from '../http/problem.ts';
import { authenticateSocket } from './ws-auth.ts';
import { Connection } from './ws-connection.ts';
import { CLOSE_GOING_AWAY, CLOSE_UNAUTHORIZED, type MessageSubmitter } from './ws-protocol.ts';

export const WS_PATH = '/v1/ws';
/** Room for the envelope around a submit body of up to MAX_BODY_BYTES. */
const ENVELOPE_BYTES = 4096;

export interface WebSocketChannel {
  readonly connectionCount: number;
  readonly subscriptionCount: number;
  close(): Promise<void>;
}

function rejectUpgrade(socket: Duplex, status: number, reason: string, problem?: Problem, headers = {}) {
  const body = problem ? JSON.stringify(problem) : '';
  const lines = [
    `HTTP/1.1 ${status} ${reason}`,
    'Connection: close',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  if (problem) lines.push('Content-Type: application/problem+json');
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

export function attachWebSocketChannel(
  server: Server,
  deps: AppDeps,
  submit: MessageSubmitter,
): WebSocketChannel {
  const { config } = deps;
  // ws closes with 1009 by itself when a frame exceeds maxPayload (RFC 6455 §7.4.1).
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.MAX_BODY_BYTES + ENVELOPE_BYTES });
  const connections = new Set<Connection>();
  const perOwner = new Map<Connection, string>();
  let unauthenticated = 0;

  const countOf = (ownerId: string) => {
    let n = 0;
    for (const owner of perOwner.values()) if (owner === ownerId) n++;
    return n;
  };
  const hooks = {
    claimOwnerSlot(conn: Connection, ownerId: string) {
      if (countOf(ownerId) >= config.WS_MAX_CONNECTIONS_PER_OWNER) return false;
      perOwner.set(conn, ownerId);
      unauthenticated--;
      return true;
    },
    onClose(conn: Connection) {
      connections.delete(conn);
      if (!perOwner.delete(conn)) unauthenticated--;
    },
  };

  function onConnection(
    ws: import('ws').WebSocket,
    identity: Awaited<ReturnType<typeof authenticateSocket>>,
  ) {
    const conn = new Connection(ws, deps, submit, hooks);
    connections.add(conn);
    if (identity) {
      conn.adopt(identity);
      perOwner.set(conn, identity.ownerId);
      return;
    }
    unauthenticated++;
    const authTimer = setTimeout(() => {
      if (!conn.ownerId) ws.close(CLOSE_UNAUTHORIZED, 'no auth message in time');
    }, config.WS_AUTH_TIMEOUT_MS);
    ws.once('close', () => clearTimeout(authTimer));
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    socket.on('error', () => {});
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== WS_PATH) return rejectUpgrade(socket, 404, 'Not Found');
    const header = req.headers.authorization;
    if (header === undefined) {
      if (unauthenticated >= config.WS_MAX_UNAUTHENTICATED) {
        const problem = new ProblemError(
          'unavailable',
          'Too many sockets are waiting to authenticate; try again.',
        );
        return rejectUpgrade(socket, 503, 'Service Unavailable', problem.problem, { 'Retry-After': '5' });
      }
      return wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, undefined));
    }
    const token = bearerToken(header);
    let closeOnRevoke = () => {};
    const identity = token
      ? await authenticateSocket(deps.apiKeys, deps.keyRevocations, token, () => closeOnRevoke())
      : undefined;
    if (!identity) {
      const error = unauthorized();
      return rejectUpgrade(socket, 401, 'Unauthorized', error.problem, error.headers);
    }
    if (countOf(identity.ownerId) >= config.WS_MAX_CONNECTIONS_PER_OWNER) {
      identity.release();
      const problem = new ProblemError(
        'too-many-streams',
        `You already have ${config.WS_MAX_CONNECTIONS_PER_OWNER} WebSockets open; close some first.`,
      );
      return rejectUpgrade(socket, 429, 'Too Many Requests', problem.problem, { 'Retry-After': '5' });
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      closeOnRevoke = () => ws.close(CLOSE_UNAUTHORIZED, 'API key revoked');
      onConnection(ws, identity);
    });
  }

  const onUpgradeEvent = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    onUpgrade(req, socket, head).catch((error) => {
      deps.log.warn('websocket upgrade failed', { error: String(error) });
      const problem = new ProblemError('unavailable', 'The service cannot take this socket now; try again.');
      rejectUpgrade(socket, 503, 'Service Unavailable', problem.problem, { 'Retry-After': '5' });
    });
  };
  server.on('upgrade', onUpgradeEvent);

  // RFC 6455 §5.5.2: a ping every interval; a peer that missed two pongs in a row is gone.
  const pinger = setInterval(() => {
    for (const conn of connections) {
      if (conn.missedPongs >= 2) {
        conn.ws.terminate();
        continue;
      }
      conn.missedPongs++;
      conn.ws.ping();
    }
  }, config.WS_PING_INTERVAL_MS);
  pinger.unref();

  return {
    get connectionCount() {
      return connections.size;
    },
    get subscriptionCount() {
      let n = 0;
      for (const conn of connections) n += conn.subscriptionCount;
      return n;
    },
    async close() {
      server.off('upgrade', onUpgradeEvent);
      clearInterval(pinger);
      const closed = [...connections].map(
        (conn) =>
          new Promise<void>((resolve) => {
            conn.ws.once('close', () => resolve());
            conn.ws.close(CLOSE_GOING_AWAY, 'server shutting down');
            // A peer that does not answer the close handshake is cut off.
            setTimeout(() => {
              conn.ws.terminate();
              resolve();
            }, 2000).unref();
          }),
      );
      await Promise.all(closed);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
