// Who a WebSocket belongs to: its API key (from the upgrade's Authorization header or a first
// `auth` message) looked up through the process's ApiKeyCache, and watched for revocation so the
// socket closes with 4401 when the key is revoked.
import type { ApiKeyCache } from '../identity/api-key-cache.ts';
import type { KeyRevocationWatch } from '../identity/key-revocation-watch.ts';

export interface SocketIdentity {
  ownerId: string;
  /** Stops watching the key (the socket closed). */
  release(): void;
}

export async function authenticateSocket(
  apiKeys: ApiKeyCache,
  revocations: KeyRevocationWatch,
  token: string,
  onRevoked: () => void,
): Promise<SocketIdentity | undefined> {
  const ownerId = await apiKeys.ownerOf(token);
  if (!ownerId) return undefined;
  return { ownerId, release: revocations.watch(token, onRevoked) };
}
