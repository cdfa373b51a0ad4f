// The dashboard acts through the HTTP API itself, in process (app.request, no socket): submit,
// list, cancel, redeliver and results behave and are owner-scoped exactly as for any API client.
import type { Context } from 'hono';
import type { DashboardEnv } from './dashboard-env.ts';

export interface ApiFetcher {
  request(path: string, init?: RequestInit): Response | Promise<Response>;
}

export function createApiCaller(api: ApiFetcher) {
  return function callApi(
    c: Context<DashboardEnv>,
    path: string,
    init: RequestInit & { json?: unknown } = {},
  ) {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${c.get('apiKey')}`);
    // The API's own log line for this call carries the page's request id.
    const requestId = c.get('requestId');
    if (requestId) headers.set('x-request-id', requestId);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    return Promise.resolve(api.request(path, { ...init, headers, body }));
  };
}

export type ApiCaller = ReturnType<typeof createApiCaller>;
