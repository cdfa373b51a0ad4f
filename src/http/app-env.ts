// The Hono environment every route shares: what middleware puts on the context.
export type AppEnv = {
  Variables: {
    /** Set by the API-key middleware on /v1/*. */
    ownerId: string;
    /** Set by the JSON body guard on routes with a body. */
    jsonBody: unknown;
    /** Set by the request-id middleware: the client's X-Request-Id, or a new UUID. */
    requestId: string;
  };
};
