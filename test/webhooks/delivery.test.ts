// One attempt against real loopback receivers, no service: pinning, deadline, cap, no redirects.
import { afterAll, describe, expect, it } from 'vitest';
import { deliverOnce, USER_AGENT } from '../../src/webhooks/delivery.ts';
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
