// Which callback destinations are refused (pure: no DNS, no clock). The rules are the contract's
// "Refused callback URLs": https only (http by opt-in), no credentials, no port 0, no localhost
// names, and only global unicast addresses in every spelling and embedding (RFC 6890 registries).
import ipaddr from 'ipaddr.js';

export interface UrlPolicy {
  allowHttp: boolean;
  /** CALLBACK_ALLOWLIST: host names, addresses or CIDRs exempt from the address rule. */
  allowlist: readonly string[];
}

export type UrlShape = { ok: true; url: URL; host: string; port: number } | { ok: false; reason: string };

/** Ranges that ipaddr.js calls 'unicast' but that are not global (RFC 5737, RFC 3849, RFC 9637, RFC 2544). */
const EXTRA_REFUSED: readonly [string, string][] = [
  ['192.0.2.0/24', 'documentation'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['198.18.0.0/15', 'benchmarking'],
  ['240.0.0.0/4', 'reserved'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['2001:2::/48', 'benchmarking'],
  ['::/96', 'IPv4-compatible'],
];
const EXTRA_REFUSED_CIDRS = EXTRA_REFUSED.map(([cidr, label]) => [ipaddr.parseCIDR(cidr), label] as const);

/** Strips the brackets WHATWG URL keeps around an IPv6 host. */
export function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/**
 * Checks everything that does not need DNS. WHATWG URL parsing already canonicalises IPv4 in
 * any spelling (127.1, 2130706433, 0x7f.1, 0177.0.0.1 → 127.0.0.1) and compresses IPv6.
 */
export function checkUrlShape(raw: string, policy: UrlPolicy): UrlShape {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a valid absolute URL' };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    return {
      ok: false,
      reason: policy.allowHttp ? 'the scheme must be https or http' : 'the scheme must be https',
    };
  }
  if (url.username || url.password) return { ok: false, reason: 'credentials in the URL are not allowed' };
  if (url.port === '0') return { ok: false, reason: 'port 0 is not allowed' };
  const host = bareHost(url.hostname).toLowerCase().replace(/\.$/, '');
  if (!host) return { ok: false, reason: 'the URL has no host' };
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  if (isAllowlisted(host, policy.allowlist)) return { ok: true, url, host, port };
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return { ok: false, reason: `${host} is a loopback name` };
  }
  if (ipaddr.isValid(host)) {
    const reason = refusedAddressReason(host);
    if (reason) return { ok: false, reason };
  }
  return { ok: true, url, host, port };
}

/** Why an address is not global unicast, or undefined when it is. Embedded IPv4 is judged as IPv4. */
export function refusedAddressReason(address: string): string | undefined {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address);
  } catch {
    return `${address} is not an IP address`;
  }
  const embedded = embeddedIPv4(ip);
  if (embedded) {
    const inner = refusedAddressReason(embedded.toString());
    return inner ? `${address} embeds ${inner}` : undefined;
  }
  for (const [[range, bits], label] of EXTRA_REFUSED_CIDRS) {
    if (ip.kind() === range.kind() && ip.match(range, bits)) return `${address} is ${label}`;
  }
  const range = ip.range();
  return range === 'unicast' ? undefined : `${address} is not global unicast (${range})`;
}

/**
 * The IPv4 address inside an IPv6 one that carries it: IPv4-mapped ::ffff:0:0/96, IPv4-translated
 * (RFC 6145), NAT64 64:ff9b::/96 (RFC 6052), 6to4 2002::/16 (RFC 3056), Teredo 2001::/32
 * (RFC 4380: the client address, bit-inverted). IPv4-compatible ::/96 is refused outright.
 */
function embeddedIPv4(ip: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | undefined {
  if (ip.kind() !== 'ipv6') return undefined;
  const v6 = ip as ipaddr.IPv6;
  const p = v6.parts;
  const low = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  switch (v6.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
      return low(p[6] ?? 0, p[7] ?? 0);
    case 'rfc6052':
      // 64:ff9b:1::/48 (RFC 8215, local-use) is not global: leave it to range() to refuse.
      return p[2] === 0 ? low(p[6] ?? 0, p[7] ?? 0) : undefined;
    case '6to4':
      return low(p[1] ?? 0, p[2] ?? 0);
    case 'teredo':
      return low(~(p[6] ?? 0) & 0xffff, ~(p[7] ?? 0) & 0xffff);
    default:
      return undefined;
  }
}

/** Exact host name, exact address, or an address inside a listed CIDR. */
export function isAllowlisted(hostOrAddress: string, allowlist: readonly string[]): boolean {
  const target = bareHost(hostOrAddress).toLowerCase();
  const address = ipaddr.isValid(target) ? ipaddr.process(target) : undefined;
  for (const raw of allowlist) {
    const entry = bareHost(raw.trim()).toLowerCase();
    if (!entry) continue;
    if (entry === target) return true;
    if (!address) continue;
    if (entry.includes('/')) {
      try {
        const [range, bits] = ipaddr.parseCIDR(entry);
        if (range.kind() === address.kind() && address.match(range, bits)) return true;
      } catch {
        // not a CIDR: a host name with a slash cannot match anyway
      }
    } else if (ipaddr.isValid(entry) && ipaddr.process(entry).toString() === address.toString()) {
      return true;
    }
  }
  return false;
}
