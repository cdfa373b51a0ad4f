// The environment every bench script starts the service with: its own database, a role, a free
// loopback port, quiet logs, and no per-owner cap (the bench measures speed, not the cap).
export function benchServiceEnv(databaseUrl: string, role: 'all' | 'api' | 'worker'): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    ROLE: role,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    MAX_ACTIVE_JOBS_PER_OWNER: '1000000',
  };
}
