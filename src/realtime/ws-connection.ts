// One WebSocket connection of GET /v1/ws: its messages handled one at a time in order (so a
// subscribe then unsubscribe does just that), with bounds on both directions — received messages
// waiting to be handled pause the socket past WS_MAX_PENDING_BYTES (TCP backpressure slows the
// sender), and a client that does not read what it is sent is closed past WS_MAX_UNREAD_BYTES.
import type { WebSocket } from 'ws';
import type { AppDeps } from '../app-deps.ts';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../http/json-body.ts';
import { jobNotFound, ProblemError } from '../http/problem.ts';
import { toJobResource } from '../jobs/job-resource.ts';
import { findOwnedJob, type JobRow } from '../jobs/job-store.ts';
import { followJob, type JobFollower } from './follow-job.ts';
import { authenticateSocket, type SocketIdentity } from './ws-auth.ts';
import {
  CLOSE_POLICY,
  CLOSE_TOO_BIG,
  CLOSE_UNAUTHORIZED,
  type ClientMessage,
  type MessageSubmitter,
  parseClientMessage,
  type ServerMessage,
  toEventMessage,
} from './ws-protocol.ts';

export interface ConnectionHooks {
  /** Asks whether `ownerId` may hold one more socket; false closes this one with 1008. */
  claimOwnerSlot(conn: Connection, ownerId: string): boolean;
  onClose(conn: Connection): void;
}

export class Connection {
  readonly ws: WebSocket;
  identity: SocketIdentity | undefined;
  missedPongs = 0;
  readonly #deps: AppDeps;
  readonly #submit: MessageSubmitter;
  readonly #hooks: ConnectionHooks;
  readonly #subscriptions = new Map<string, JobFollower>();
  #queue: Promise<void> = Promise.resolve();
  #pendingBytes = 0;
  #paused = false;

  constructor(ws: WebSocket, deps: AppDeps, submit: MessageSubmitter, hooks: ConnectionHooks) {
    this.ws = ws;
    this.#deps = deps;
    this.#submit = submit;
    this.#hooks = hooks;
    ws.on('pong', () => {
      this.missedPongs = 0;
    });
    ws.on('message', (data, isBinary) => this.#receive(isBinary ? '' : String(data)));
    ws.on('error', () => {}); // a protocol error closes the socket; 'close' releases everything
    ws.on('close', () => {
      for (const follower of this.#subscriptions.values()) follower.stop();
      this.#subscriptions.clear();
      this.identity?.release();
      hooks.onClose(this);
    });
  }

  get ownerId(): string | undefined {
    return this.identity?.ownerId;
  }

  get subscriptionCount(): number {
    return this.#subscriptions.size;
  }

  /** Authenticates with a key already looked up (the upgrade's Authorization header). */
  adopt(identity: SocketIdentity): void {
    this.identity = identity;
  }

  send(message: ServerMessage): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.#deps.config.WS_MAX_UNREAD_BYTES) {
      // It does not read: a close frame would queue behind the unread bytes, so cut it off.
      this.#deps.log.warn('websocket cut off: client not reading', { owner_id: this.ownerId });
      this.ws.terminate();
      return;
    }
    this.ws.send(JSON.stringify(message));
  }

  #receive(text: string): void {
    const bytes = Buffer.byteLength(text);
    this.#pendingBytes += bytes;
    if (!this.#paused && this.#pendingBytes > this.#deps.config.WS_MAX_PENDING_BYTES) {
      this.#paused = true;
      this.ws.pause();
      this.#deps.metrics.websocketPauses.inc();
    }
    this.#queue = this.#queue
      .then(() => this.#handle(text))
      .catch((error) => {
        this.#deps.log.error('websocket message failed', { error: String(error) });
        this.send({
          type: 'error',
          problem: new ProblemError('internal', 'Something went wrong on our side; it has been logged.')
            .problem,
        });
      })
      .finally(() => {
        this.#pendingBytes -= bytes;
        if (this.#paused && this.#pendingBytes <= this.#deps.config.WS_MAX_PENDING_BYTES / 2) {
          this.#paused = false;
          this.ws.resume();
        }
      });
  }

  async #handle(text: string): Promise<void> {
    if (this.ws.readyState !== this.ws.OPEN) return;
    // The envelope adds one level of nesting around a submit body (POST /v1/jobs allows 64).
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH + 1)) {
      const problem = new ProblemError(
        'malformed-json',
        `The JSON is nested deeper than ${MAX_JSON_DEPTH} levels.`,
      );
      return this.send({ type: 'error', problem: problem.problem });
    }
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      const { ok: _, ...error } = parsed;
      return this.send({ type: 'error', ...error });
    }
    const message = parsed.message;
    if (message.type === 'auth') return this.#authenticate(message.token);
    const ownerId = this.ownerId;
    if (!ownerId) return this.ws.close(CLOSE_UNAUTHORIZED, 'authenticate first');
    switch (message.type) {
      case 'subscribe': {
        const job = await findOwnedJob(
          this.#deps.sql,
          ownerId,
          message.job_id,
          this.#deps.config.JOB_TTL_SECONDS,
        );
        if (!job) return this.send({ type: 'error', job_id: message.job_id, problem: jobNotFound().problem });
        if (!this.#hasRoomFor(job.id)) return this.#refuseSubscription(message.job_id);
        return this.#subscribe(job, message.after);
      }
      case 'unsubscribe':
        return this.#unsubscribe(message.job_id);
      case 'submit':
        return this.#handleSubmit(ownerId, message);
    }
  }

  async #authenticate(token: string): Promise<void> {
    if (this.identity) return; // already authenticated: a repeated auth changes nothing
    const identity = await authenticateSocket(this.#deps.apiKeys, this.#deps.keyRevocations, token, () =>
      this.ws.close(CLOSE_UNAUTHORIZED, 'API key revoked'),
    );
    if (!identity) return this.ws.close(CLOSE_UNAUTHORIZED, 'invalid API key');
    if (!this.#hooks.claimOwnerSlot(this, identity.ownerId)) {
      identity.release();
      return this.ws.close(CLOSE_POLICY, 'too many connections for this API key owner');
    }
    this.identity = identity;
  }

  async #handleSubmit(ownerId: string, message: Extract<ClientMessage, { type: 'submit' }>) {
    const { request_id } = message;
    const outcome = await this.#submit(ownerId, message.job, message.idempotency_key);
    if (outcome.kind === 'refused') return this.send({ type: 'error', request_id, problem: outcome.problem });
    this.send({ type: 'accepted', request_id, data: toJobResource(outcome.job) });
    // The accepted message is the job at its current event: follow on from there.
    if (this.#hasRoomFor(outcome.job.id)) this.#subscribe(outcome.job, outcome.job.event_seq);
    else this.#refuseSubscription(outcome.job.id);
  }

  #unsubscribe(jobId: string): void {
    this.#subscriptions.get(jobId)?.stop();
    this.#subscriptions.delete(jobId);
  }

  #subscribe(job: JobRow, after: number | undefined): void {
    this.#unsubscribe(job.id);
    // onEnd may run inside followJob (a finished job), before the assignment below.
    let follower: JobFollower | undefined;
    follower = followJob(
      this.#deps.feed,
      job,
      after,
      (event) => this.send(toEventMessage(job.id, event)),
      () => {
        if (this.#subscriptions.get(job.id) === follower) this.#subscriptions.delete(job.id);
      },
    );
    // followJob may already have ended (a finished job): only a live follower holds a slot.
    if (!follower.ended) this.#subscriptions.set(job.id, follower);
  }

  #hasRoomFor(jobId: string): boolean {
    return (
      this.#subscriptions.has(jobId) || this.#subscriptions.size < this.#deps.config.WS_MAX_SUBSCRIPTIONS
    );
  }

  // The contract closes a connection over either cap with 1009; the error message says which.
  #refuseSubscription(jobId: string): void {
    const max = this.#deps.config.WS_MAX_SUBSCRIPTIONS;
    const problem = new ProblemError(
      'too-many-streams',
      `This connection already follows ${max} jobs; unsubscribe from some first.`,
    ).problem;
    this.send({ type: 'error', job_id: jobId, problem });
    this.ws.close(CLOSE_TOO_BIG, 'too many subscriptions');
  }
}
