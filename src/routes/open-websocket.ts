// GET /v1/ws (operationId openWebSocket): documents the WebSocket channel in OpenAPI, which can
// only describe the upgrade itself; the protocol lives in docs/realtime.md. Upgrade requests are
// taken by realtime/ws-server.ts before routing, so a request that reaches this handler is a
// plain GET: RFC 9110 §15.5.22, 426 with the protocol to upgrade to.
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../app-deps.ts';
import type { AppEnv } from '../http/app-env.ts';
import { ProblemError } from '../http/problem.ts';
import { authResponses, BEARER_SECURITY, problemResponse, RETRY_AFTER } from './openapi-common.ts';

export const openWebSocketRoute = createRoute({
  method: 'get',
  path: '/v1/ws',
  operationId: 'openWebSocket',
  tags: ['jobs'],
  summary: 'Open a WebSocket for many jobs',
  description: [
    'Upgrade to a WebSocket (RFC 6455) carrying JSON text messages. Authenticate with `Authorization: Bearer` on the upgrade request or, where headers cannot be set (browsers), with a first message `{"type":"auth","token":"<api key>"}` within 10 s; otherwise the server closes with code 4401. Never put the key in the URL.',
    'Client messages: `{"type":"subscribe","job_id":"…","after"?:<event id>}` → the same events as GET /v1/jobs/{id}/events as `{"type":"status"|"progress","job_id","id","data"}` (a foreign, missing or malformed id → `{"type":"error","job_id","problem"}` with the 404 problem); `{"type":"unsubscribe","job_id":"…"}`; `{"type":"submit","request_id":"…","job":<POST /v1/jobs body>,"idempotency_key"?:"…"}` → `{"type":"accepted","request_id","data":<job>}` and a subscription to it, or `{"type":"error","request_id","problem"}` with the problem POST /v1/jobs would answer.',
    'The server pings every 30 s and closes a connection that misses two pongs. A message larger than MAX_BODY_BYTES plus 4 KiB closes the connection with 1009; a connection follows at most WS_MAX_SUBSCRIPTIONS jobs (more: an error with a 429 problem). Malformed messages get an `error` with a 400 problem. An owner holds at most WS_MAX_CONNECTIONS_PER_OWNER sockets (more: 429 on the upgrade, or close 1008 after an `auth` message); a client that sends faster than its messages are handled is slowed down (the socket stops reading), one that does not read what it is sent is disconnected. Revoking the API key closes its sockets with 4401 within 10 s. See docs/realtime.md.',
  ].join('\n\n'),
  security: BEARER_SECURITY,
  responses: {
    101: { description: 'Switching Protocols: the connection is now a WebSocket.' },
    ...authResponses,
    429: problemResponse('WS_MAX_CONNECTIONS_PER_OWNER sockets are already open for this owner.', {
      'Retry-After': RETRY_AFTER,
    }),
    426: problemResponse('Not a WebSocket upgrade request.', {
      Upgrade: { description: 'The protocol to upgrade to: `websocket`.', schema: { type: 'string' } },
    }),
  },
});

export function registerOpenWebSocket(app: OpenAPIHono<AppEnv>, _deps: AppDeps) {
  app.openapi(openWebSocketRoute, () => {
    throw new ProblemError(
      'upgrade-required',
      'GET /v1/ws is a WebSocket endpoint: send Connection: Upgrade and Upgrade: websocket.',
      {},
      { Upgrade: 'websocket', Connection: 'Upgrade' },
    );
  });
}
