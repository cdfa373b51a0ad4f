// One attempt against real loopback receivers, no service: pinning, deadline, cap, no redirects.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { agentFor, deliverOnce, USER_AGENT } from '../../src/webhooks/delivery.ts';
import { resolveDestination } from '../../src/webhooks/destination.ts';
import { createSecretCipher } from '../../src/webhooks/secret-cipher.ts';
import { type CallbackReceiver, startReceiver } from '../support/callback-receiver.ts';

const receivers: CallbackReceiver[] = [];
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

describe('deliverOnce', () => {
  it('connects to the checked address while Host stays the URL host', async () => {
    const r = await startReceiver();
    receivers.push(r);
    // This name does not exist in DNS: only the pinned lookup can make the connection work.
    const url = new URL(`http://hooks.pinned.invalid:${r.port}/in`);
    const res = await deliverOnce({
      url,
      address: { address: '127.0.0.1', family: 4 },
      headers: { 'webhook-id': 'msg_x' },
      body: '{}',
      timeoutMs: 2000,
    });
    expect(res).toMatchObject({ statusCode: 200, error: null });
    expect(r.requests[0]?.headers.host).toBe(`hooks.pinned.invalid:${r.port}`);
    expect(r.requests[0]?.headers['user-agent']).toBe(USER_AGENT);
  });

  it('checks every resolved address before anything is sent', async () => {
    const policy = { allowHttp: true, allowlist: [] };
    const resolver = async () => [
      { address: '93.184.216.34', family: 4 as const },
      { address: '::1', family: 6 as const },
    ];
    const d = await resolveDestination('http://two-faced.test/', policy, resolver);
    expect(d).toMatchObject({ kind: 'refused' });
    const ok = await resolveDestination('http://fine.test/', policy, async () => [
      { address: '93.184.216.34', family: 4 },
    ]);
    expect(ok).toMatchObject({
      kind: 'ok',
      address: { address: '93.184.216.34' },
      host: 'fine.test',
      port: 80,
    });
  });
});

describe('kept-alive connections', () => {
  async function countingServer() {
    let connections = 0;
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => res.end());
    });
    server.on('connection', () => connections++);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return {
      port: (server.address() as AddressInfo).port,
      counts: () => ({ connections, requests }),
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }
  const attempt = (port: number, address: string) =>
    deliverOnce({
      url: new URL(`http://hooks.keepalive.invalid:${port}/in`),
      address: { address, family: 4 },
      headers: {},
      body: '{}',
      timeoutMs: 2000,
    });

  it('sends consecutive attempts to the same origin and checked address over one connection', async () => {
    const server = await countingServer();
    try {
      for (let i = 0; i < 5; i++) expect((await attempt(server.port, '127.0.0.1')).statusCode).toBe(200);
      expect(server.counts()).toEqual({ connections: 1, requests: 5 });
    } finally {
      agentFor(new URL(`http://hooks.keepalive.invalid:${server.port}`), {
        address: '127.0.0.1',
        family: 4,
      }).destroy();
      await server.close();
    }
  });

  it('never sends an attempt for another checked address over a pooled socket', async () => {
    const server = await countingServer(); // listens on 127.0.0.1 only
    try {
      expect((await attempt(server.port, '127.0.0.1')).statusCode).toBe(200);
      // Same origin, but the name now resolves (and was checked) to 127.0.0.2: the idle socket to
      // 127.0.0.1 must not carry it; a new connection to 127.0.0.2 is refused.
      const moved = await attempt(server.port, '127.0.0.2');
      expect(moved.statusCode).toBeNull();
      expect(moved.error).toBe('ECONNREFUSED');
      expect(server.counts()).toEqual({ connections: 1, requests: 1 });
    } finally {
      agentFor(new URL(`http://hooks.keepalive.invalid:${server.port}`), {
        address: '127.0.0.1',
        family: 4,
      }).destroy();
      await server.close();
    }
  });
});

describe('secret encryption at rest', () => {
  it('round-trips, and refuses a ciphertext moved to another owner', () => {
    const cipher = createSecretCipher('a-key-of-at-least-sixteen-chars');
    const sealed = cipher.seal('whsec_abc', 'owner-a/1');
    expect(sealed).toMatch(/^enc:v1:/);
    expect(cipher.open(sealed, 'owner-a/1')).toBe('whsec_abc');
    expect(() => cipher.open(sealed, 'owner-b/1')).toThrow();
    expect(() => createSecretCipher('another-key-of-sixteen-chars').open(sealed, 'owner-a/1')).toThrow();
  });

  it('stores in the clear without a key, and refuses to guess at encrypted rows', () => {
    const clear = createSecretCipher(undefined);
    expect(clear.seal('whsec_abc', 'x')).toBe('whsec_abc');
    expect(() => clear.open('enc:v1:AAAA', 'x')).toThrow(/WEBHOOK_SECRET_ENCRYPTION_KEY/);
  });
});
