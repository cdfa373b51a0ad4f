// The WebSocket channel GET /v1/ws (RFC 6455, `ws` package) on the node server's 'upgrade' event:
// one socket for many jobs. Authenticates by header or first message, subscribes through the
// same JobFeed and followJob as SSE, submits through the same submitJob as POST /v1/jobs.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { AppDeps } from '../app-deps.ts';
import { bearerToken, unauthorized } from '../http/auth.ts';
import { findUnstorableString, jsonDepthExceeds, MAX_JSON_DEPTH } from '../http/json-body.ts';
import { jobNotFound, ProblemError, validationFailed } from '../http/problem.ts';
import { findOwnerByApiKey } from '../identity/api-key-store.ts';
import { toJobResource } from '../jobs/job-resource.ts';
import { findOwnedJob, type JobRow } from '../jobs/job-store.ts';
import { submitJob } from '../jobs/submit.ts';
import { SubmitJobRequestSchema } from '../routes/jobs/schemas.ts';
import { submitDepsOf } from '../routes/jobs/submit-deps.ts';
import {
  invalidIdempotencyKey,
  invalidSubmitBody,
  isSubmitRefusal,
  submitRefusalProblem,
} from '../routes/jobs/submit-problem.ts';
import { followJob, type JobFollower } from './follow-job.ts';
import {
  CLOSE_GOING_AWAY,
  CLOSE_TOO_BIG,
  CLOSE_UNAUTHORIZED,
  type ClientMessage,
  parseClientMessage,
  type ServerMessage,
  toEventMessage,
} from './ws-protocol.ts';

export const WS_PATH = '/v1/ws';
/** Room for the envelope around a submit body of up to MAX_BODY_BYTES. */
const ENVELOPE_BYTES = 4096;

interface Connection {
  ws: WebSocket;
  ownerId: string | undefined;
  subscriptions: Map<string, JobFollower>;
  missedPongs: number;
  /** Messages are handled one at a time, in order: a subscribe then unsubscribe does just that. */
  queue: Promise<void>;
}

export interface WebSocketChannel {
  readonly connectionCount: number;
  readonly subscriptionCount: number;
  close(): Promise<void>;
}

function rejectUpgrade(
  socket: Duplex,
  status: number,
  reason: string,
  body = '',
  headers: Record<string, string> = {},
) {
  const lines = [
    `HTTP/1.1 ${status} ${reason}`,
    'Connection: close',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

export function attachWebSocketChannel(server: Server, deps: AppDeps): WebSocketChannel {
  const submitDeps = submitDepsOf(deps);
  const { config } = deps;
  // ws closes with 1009 by itself when a frame exceeds maxPayload (RFC 6455 §7.4.1).
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.MAX_BODY_BYTES + ENVELOPE_BYTES });
  const connections = new Set<Connection>();

  const send = (conn: Connection, message: ServerMessage) => {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(message));
  };

  const unsubscribe = (conn: Connection, jobId: string) => {
    conn.subscriptions.get(jobId)?.stop();
    conn.subscriptions.delete(jobId);
  };

  const subscribe = (conn: Connection, job: JobRow, after: number | undefined) => {
    unsubscribe(conn, job.id);
    // onEnd may run inside followJob (a finished job), before the assignment below.
    let follower: JobFollower | undefined;
    follower = followJob(
      deps.feed,
      job,
      after,
      (event) => send(conn, toEventMessage(job.id, event)),
      () => {
        if (conn.subscriptions.get(job.id) === follower) conn.subscriptions.delete(job.id);
      },
    );
    // followJob may already have ended (a finished job): only a live follower holds a slot.
    if (!follower.ended) conn.subscriptions.set(job.id, follower);
  };

  const hasRoomFor = (conn: Connection, jobId: string) =>
    conn.subscriptions.has(jobId) || conn.subscriptions.size < config.WS_MAX_SUBSCRIPTIONS;
  const tooManySubscriptions = () =>
    new ProblemError(
      'too-many-streams',
      `This connection already follows ${config.WS_MAX_SUBSCRIPTIONS} jobs; unsubscribe from some first.`,
    ).problem;

  // The contract closes a connection over either cap with 1009; the error message says which.
  const refuseSubscription = (conn: Connection, jobId: string) => {
    send(conn, { type: 'error', job_id: jobId, problem: tooManySubscriptions() });
    conn.ws.close(CLOSE_TOO_BIG, 'too many subscriptions');
  };

  async function handleSubmit(
    conn: Connection,
    ownerId: string,
    message: Extract<ClientMessage, { type: 'submit' }>,
  ) {
    const { request_id } = message;
    const fail = (error: ProblemError) => send(conn, { type: 'error', request_id, problem: error.problem });
    const badKey = invalidIdempotencyKey(message.idempotency_key);
    if (badKey) return fail(badKey);
    const parsed = SubmitJobRequestSchema.safeParse(message.job);
    if (!parsed.success) return fail(invalidSubmitBody(parsed.error.issues));
    const pointer = findUnstorableString(message.job);
    if (pointer !== undefined) {
      return fail(
        validationFailed(
          [{ pointer, detail: 'Strings may not contain U+0000 or unpaired surrogates.' }],
          'The request body holds a string that cannot be stored.',
        ),
      );
    }
    const outcome = await submitJob(submitDeps, ownerId, parsed.data, message.idempotency_key, message.job);
    if (isSubmitRefusal(outcome)) return fail(submitRefusalProblem(outcome));
    if (outcome.kind === 'created') deps.metrics.jobsSubmitted.inc({ type: outcome.job.type });
    send(conn, { type: 'accepted', request_id, data: toJobResource(outcome.job) });
    // The accepted message is the job at its current event: follow on from there.
    if (hasRoomFor(conn, outcome.job.id)) subscribe(conn, outcome.job, outcome.job.event_seq);
    else refuseSubscription(conn, outcome.job.id);
  }

  async function handleMessage(conn: Connection, text: string) {
    // The envelope adds one level of nesting around a submit body (POST /v1/jobs allows 64).
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH + 1)) {
      const problem = new ProblemError(
        'malformed-json',
        `The JSON is nested deeper than ${MAX_JSON_DEPTH} levels.`,
      );
      return send(conn, { type: 'error', problem: problem.problem });
    }
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      const { ok: _, ...error } = parsed;
      return send(conn, { type: 'error', ...error });
    }
    const message = parsed.message;
    if (message.type === 'auth') {
      if (conn.ownerId) return; // already authenticated: a repeated auth changes nothing
      const ownerId = await findOwnerByApiKey(deps.sql, message.token);
      if (!ownerId) return conn.ws.close(CLOSE_UNAUTHORIZED, 'invalid API key');
      conn.ownerId = ownerId;
      return;
    }
    const ownerId = conn.ownerId;
    if (!ownerId) return conn.ws.close(CLOSE_UNAUTHORIZED, 'authenticate first');
    switch (message.type) {
      case 'subscribe': {
        const job = await findOwnedJob(deps.sql, ownerId, message.job_id, config.JOB_TTL_SECONDS);
        if (!job)
          return send(conn, { type: 'error', job_id: message.job_id, problem: jobNotFound().problem });
        if (!hasRoomFor(conn, job.id)) return refuseSubscription(conn, message.job_id);
        return subscribe(conn, job, message.after);
      }
      case 'unsubscribe':
        return unsubscribe(conn, message.job_id);
      case 'submit':
        return handleSubmit(conn, ownerId, message);
    }
  }

  function onConnection(ws: WebSocket, ownerId: string | undefined) {
    const conn: Connection = {
      ws,
      ownerId,
      subscriptions: new Map(),
      missedPongs: 0,
      queue: Promise.resolve(),
    };
    connections.add(conn);
    const authTimer = ownerId
      ? undefined
      : setTimeout(() => {
          if (!conn.ownerId) ws.close(CLOSE_UNAUTHORIZED, 'no auth message in time');
        }, config.WS_AUTH_TIMEOUT_MS);
    ws.on('pong', () => {
      conn.missedPongs = 0;
    });
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : String(data);
      conn.queue = conn.queue
        .then(() => handleMessage(conn, text))
        .catch((error) => {
          deps.log.error('websocket message failed', { error: String(error) });
          send(conn, {
            type: 'error',
            problem: new ProblemError('internal', 'Something went wrong on our side; it has been logged.')
              .problem,
          });
        });
    });
    ws.on('error', () => {}); // a protocol error closes the socket; 'close' releases everything
    ws.on('close', () => {
      clearTimeout(authTimer);
      for (const follower of conn.subscriptions.values()) follower.stop();
      conn.subscriptions.clear();
      connections.delete(conn);
    });
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    socket.on('error', () => {});
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== WS_PATH) return rejectUpgrade(socket, 404, 'Not Found');
    let ownerId: string | undefined;
    const header = req.headers.authorization;
    if (header !== undefined) {
      const token = bearerToken(header);
      ownerId = token ? await findOwnerByApiKey(deps.sql, token) : undefined;
      if (!ownerId) {
        const error = unauthorized();
        return rejectUpgrade(socket, 401, 'Unauthorized', JSON.stringify(error.problem), {
          'Content-Type': 'application/problem+json',
          ...error.headers,
        });
      }
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, ownerId));
  }

  const onUpgradeEvent = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    onUpgrade(req, socket, head).catch((error) => {
      deps.log.error('websocket upgrade failed', { error: String(error) });
      rejectUpgrade(socket, 500, 'Internal Server Error');
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
      for (const conn of connections) n += conn.subscriptions.size;
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
