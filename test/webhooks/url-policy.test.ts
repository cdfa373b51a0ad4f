import { describe, expect, it } from 'vitest';
import { checkUrlShape, isAllowlisted, refusedAddressReason } from '../../src/webhooks/url-policy.ts';

const strict = { allowHttp: false, allowlist: [] };

describe('callback URL policy', () => {
  it.each([
    'https://127.0.0.1/',
    'https://127.1/',
    'https://2130706433/',
    'https://0x7f.1/',
    'https://0177.0.0.1/',
    'https://0x7f000001/',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:7f00:1]/',
    'https://0.0.0.0/',
    'https://0/',
    'https://[::]/',
    'https://10.1.2.3/',
    'https://172.16.0.1/',
    'https://192.168.1.1/',
    'https://169.254.169.254/latest/meta-data',
    'https://100.64.0.1/',
    'https://224.0.0.1/',
    'https://255.255.255.255/',
    'https://192.0.2.10/',
    'https://198.51.100.1/',
    'https://203.0.113.9/',
    'https://198.18.0.1/',
    'https://198.19.255.1/',
    'https://240.0.0.1/',
    'https://[fc00::1]/',
    'https://[fd12:3456::1]/',
    'https://[fe80::1]/',
    'https://[ff02::1]/',
    'https://[2001:db8::1]/',
    'https://[::127.0.0.1]/',
    'https://[64:ff9b::7f00:1]/',
    'https://[64:ff9b::a00:1]/',
    'https://[2002:7f00:1::]/',
    'https://[2002:a9fe:a9fe::]/',
    'https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/',
    'https://localhost/',
    'https://LOCALHOST./',
    'https://api.localhost/',
    'https://user:pass@example.com/',
    'https://user@example.com/',
    'http://example.com/',
    'ftp://example.com/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'https://example.com:0/',
    'not a url',
  ])('refuses %s', (url) => {
    const shape = checkUrlShape(url, strict);
    expect(shape.ok).toBe(false);
    if (!shape.ok) expect(shape.reason.length).toBeGreaterThan(5);
  });

  it.each([
    'https://example.com/hooks',
    'https://8.8.8.8/',
    'https://[2606:4700:4700::1111]/',
    'https://[::ffff:8.8.8.8]/',
    'https://example.com:8443/x?y=1',
  ])('accepts %s', (url) => {
    expect(checkUrlShape(url, strict).ok).toBe(true);
  });

  it('allows http only when CALLBACK_ALLOW_HTTP is on', () => {
    expect(checkUrlShape('http://example.com/', { allowHttp: true, allowlist: [] }).ok).toBe(true);
  });

  it('exempts allowlisted hosts, addresses and CIDRs from the address rule only', () => {
    const policy = { allowHttp: true, allowlist: ['127.0.0.1', '10.0.0.0/8', 'dev.internal'] };
    expect(checkUrlShape('http://127.0.0.1:9/', policy).ok).toBe(true);
    expect(checkUrlShape('http://10.9.8.7/', policy).ok).toBe(true);
    expect(checkUrlShape('http://192.168.0.1/', policy).ok).toBe(false);
    expect(checkUrlShape('http://u:p@127.0.0.1/', policy).ok).toBe(false);
    expect(isAllowlisted('dev.internal', policy.allowlist)).toBe(true);
    expect(isAllowlisted('::ffff:127.0.0.1', policy.allowlist)).toBe(true);
  });

  it('names the reason', () => {
    expect(refusedAddressReason('127.0.0.1')).toMatch(/loopback/);
    expect(refusedAddressReason('::ffff:10.0.0.1')).toMatch(/private/);
    expect(refusedAddressReason('198.18.0.1')).toMatch(/benchmarking|reserved/);
    expect(refusedAddressReason('93.184.216.34')).toBeUndefined();
  });
});
