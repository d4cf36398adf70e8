import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, ipLiteral, isPublicAddress } from './public-address';

describe('isPublicAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local: the cloud metadata service'],
    ['100.100.100.200', "carrier-grade NAT: Alibaba's metadata service"],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['192.0.2.1', 'reserved (documentation)'],
    ['::1', 'IPv6 loopback'],
    ['::', 'IPv6 unspecified'],
    ['fe80::1', 'IPv6 link-local'],
    ['fd00:ec2::254', "unique-local: AWS's IPv6 metadata service"],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:169.254.169.254', 'IPv4-mapped link-local'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['64:ff9b::a00:1', 'NAT64'],
    ['2002:7f00:1::1', '6to4'],
    ['2001::1', 'Teredo'],
    ['not an address', 'not an address'],
    ['', 'empty'],
  ])('refuses %s (%s)', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8'])(
    'accepts %s',
    (ip) => {
      expect(isPublicAddress(ip)).toBe(true);
    },
  );
});

describe('ipLiteral', () => {
  it('reads a URL hostname that is an address, bracketed IPv6 too, and nothing from a name', () => {
    expect(ipLiteral('127.0.0.1')).toBe('127.0.0.1');
    expect(ipLiteral('[::1]')).toBe('::1');
    expect(ipLiteral('example.com')).toBeNull();
  });
});

describe('checkWebhookUrl', () => {
  const guarded = { allowPrivate: false };

  it('accepts an http(s) URL to a public address', async () => {
    expect(await checkWebhookUrl('https://8.8.8.8/hooks/tranche?token=t', guarded)).toBeNull();
    expect(await checkWebhookUrl('http://[2606:4700::1111]:8080/hook', guarded)).toBeNull();
  });

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://10.0.0.1/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://100.100.100.200/latest/meta-data/',
    'http://[fd00:ec2::254]/latest/meta-data/',
    'http://0.0.0.0:3000/',
    // The URL parser reads these as 127.0.0.1 before anyone else does.
    'http://2130706433/',
    'http://0x7f.1/',
  ])('refuses %s, an address that is not public', async (url) => {
    expect(await checkWebhookUrl(url, guarded)).toMatch(/^must point to a public address, not .+ \(\w+\)$/);
  });

  it('refuses a name that resolves to a loopback address', async () => {
    // 127.0.0.1, and ::1 too where the hosts file says so.
    expect(await checkWebhookUrl('http://localhost:3000/hook', guarded)).toMatch(
      /^must point to a public address: localhost resolves to (127\.0\.0\.1|::1) \(loopback\)/,
    );
  });

  it('refuses a name that does not resolve', async () => {
    expect(await checkWebhookUrl('https://nothing-here.invalid/hook', guarded)).toBe(
      'its host nothing-here.invalid does not resolve',
    );
  });

  it('refuses what is not an http(s) URL, and credentials in the URL', async () => {
    expect(await checkWebhookUrl('ftp://8.8.8.8/hook', guarded)).toBe('must be an http or https URL');
    expect(await checkWebhookUrl('not a url', guarded)).toBe('must be an http or https URL');
    expect(await checkWebhookUrl('https://user:pw@8.8.8.8/hook', guarded)).toBe(
      'must not carry a user name or password',
    );
    expect(await checkWebhookUrl('https://user@8.8.8.8/hook', { allowPrivate: true })).toBe(
      'must not carry a user name or password',
    );
  });

  it('accepts private addresses and names when allowed', async () => {
    const open = { allowPrivate: true };
    expect(await checkWebhookUrl('http://127.0.0.1:8080/hook', open)).toBeNull();
    expect(await checkWebhookUrl('http://localhost:8080/hook', open)).toBeNull();
    expect(await checkWebhookUrl('ftp://127.0.0.1/hook', open)).toBe('must be an http or https URL');
  });
});
