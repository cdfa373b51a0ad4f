// Resolves a callback URL's host and decides where to connect: every resolved address must pass
// the url-policy (one bad record refuses the whole name, against DNS rebinding and mixed answers),
// and the caller connects to the address returned here, never looking the name up again.
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { checkUrlShape, isAllowlisted, refusedAddressReason, type UrlPolicy } from './url-policy.ts';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Looks a host name up; injectable so tests can play DNS (rebinding included). */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (host) => {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** A lookup that takes longer than this counts as unresolved rather than holding a request open. */
const RESOLVE_TIMEOUT_MS = 3000;

function resolveWithin(resolver: Resolver, host: string): Promise<ResolvedAddress[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error('lookup timed out'), { code: 'ETIMEOUT' })),
      RESOLVE_TIMEOUT_MS,
    );
  });
  return Promise.race([resolver(host), timeout]).finally(() => clearTimeout(timer));
}

export type Destination =
  | { kind: 'ok'; url: URL; host: string; port: number; address: ResolvedAddress }
  | { kind: 'refused'; reason: string }
  | { kind: 'unresolved'; reason: string };

export async function resolveDestination(
  raw: string,
  policy: UrlPolicy,
  resolver: Resolver,
): Promise<Destination> {
  const shape = checkUrlShape(raw, policy);
  if (!shape.ok) return { kind: 'refused', reason: shape.reason };
  const { url, host, port } = shape;
  if (ipaddr.isValid(host)) {
    const family = ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4;
    return { kind: 'ok', url, host, port, address: { address: host, family } };
  }
  let answers: ResolvedAddress[];
  try {
    answers = await resolveWithin(resolver, host);
  } catch (error) {
    return {
      kind: 'unresolved',
      reason: `${host} did not resolve (${(error as { code?: string }).code ?? 'error'})`,
    };
  }
  if (answers.length === 0) return { kind: 'unresolved', reason: `${host} has no addresses` };
  const hostExempt = isAllowlisted(host, policy.allowlist);
  for (const answer of answers) {
    if (hostExempt || isAllowlisted(answer.address, policy.allowlist)) continue;
    const reason = refusedAddressReason(answer.address);
    if (reason) return { kind: 'refused', reason: `${host} resolves to ${reason}` };
  }
  const address = answers[0] as ResolvedAddress;
  return { kind: 'ok', url, host, port, address };
}

/** The submit-time check: refused URLs get a reason; a name that does not resolve yet passes. */
export async function checkCallbackUrl(
  raw: string,
  policy: UrlPolicy,
  resolver: Resolver,
): Promise<string | undefined> {
  const destination = await resolveDestination(raw, policy, resolver);
  return destination.kind === 'refused' ? destination.reason : undefined;
}
