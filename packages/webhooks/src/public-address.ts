import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/**
 * Whether an IP address is on the public internet. Only ipaddr.js's 'unicast' is: loopback, private, link-local
 * (169.254.169.254, the cloud metadata service), unique-local, carrier-grade NAT (100.100.100.200, Alibaba's
 * metadata), unspecified, multicast, broadcast, reserved and the translation ranges (6to4, Teredo, NAT64) are not.
 * An IPv4-mapped IPv6 address is judged as its IPv4 address; anything that is not an address is not public.
 */
export function isPublicAddress(ip: string): boolean {
  if (!ipaddr.isValid(ip)) return false;
  const address = ipaddr.process(ip);
  return address.range() === 'unicast' && !isIPv4Compatible(address);
}

/** ::/96, the deprecated IPv4-compatible addresses (::127.0.0.1), which ipaddr.js calls unicast. */
function isIPv4Compatible(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return (
    address.kind() === 'ipv6' &&
    address
      .toByteArray()
      .slice(0, 12)
      .every((byte) => byte === 0)
  );
}

/** An IP literal as a URL's hostname spells it (`[::1]` for IPv6), without the brackets; null for a name. */
export function ipLiteral(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return ipaddr.isValid(bare) ? bare : null;
}

/** Why this address may not receive webhooks, for a message: `127.0.0.1 (loopback)`. */
export function describeAddress(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  return `${ip} (${ipaddr.process(ip).range()})`;
}

export interface WebhookUrlPolicy {
  /** Private, loopback and other non-public addresses are accepted too (a receiver in the same network). */
  allowPrivate: boolean;
}

/**
 * Why a job may not name this URL as its webhook, or null when it may: it must be http(s), carry no user name or
 * password, and (unless `allowPrivate`) its host must be, or resolve only to, public addresses. A name that does not
 * exist is refused; a name DNS cannot answer for now is accepted, as delivery checks the address it connects to.
 */
export async function checkWebhookUrl(url: string, policy: WebhookUrlPolicy): Promise<string | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an http or https URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http or https URL';
  if (parsed.username || parsed.password) return 'must not carry a user name or password';
  if (policy.allowPrivate) return null;
  const literal = ipLiteral(parsed.hostname);
  if (literal) {
    return isPublicAddress(literal)
      ? null
      : `must point to a public address, not ${describeAddress(literal)}`;
  }
  let addresses: string[];
  try {
    addresses = (await lookup(parsed.hostname, { all: true })).map((a) => a.address);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTFOUND')
      return `its host ${parsed.hostname} does not resolve`;
    return null;
  }
  const refused = addresses.filter((address) => !isPublicAddress(address));
  if (refused.length === 0) return null;
  return `must point to a public address: ${parsed.hostname} resolves to ${refused.map(describeAddress).join(', ')}`;
}
