// What the dashboard's middleware puts on the context.
export type DashboardEnv = {
  Variables: {
    /** The signed-in API key, read from the session cookie; sent to the API as a Bearer token. */
    apiKey: string;
    ownerId: string;
    requestId: string;
  };
};
