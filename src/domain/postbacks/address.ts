import ipaddr from 'ipaddr.js';

/**
 * Which destination addresses a postback may connect to (SSRF defence, SPEC §7). Only public unicast
 * addresses pass: private, loopback, link-local (the cloud metadata endpoints among them), CGNAT, IPv6
 * unique-local, IPv4-mapped and NAT64 IPv6, multicast, reserved and unspecified ones are refused.
 * Ranges come from `ipaddr.js`'s `range()`.
 */

/** Why an address is refused: the `ipaddr.js` range name, or `not_an_ip`. */
export type AddressVerdict = { readonly allowed: true } | { readonly allowed: false; readonly range: string };

export interface AddressPolicy {
  /** Lets loopback receivers (`127.0.0.0/8`, `::1`) through: local tests only. @default false */
  readonly allowLoopback?: boolean;
}

/** Host names refused before any DNS look-up (they name this machine or a metadata service). */
const REFUSED_HOST_NAMES = new Set(['localhost', 'metadata', 'metadata.google.internal', 'instance-data']);

/**
 * The verdict on one IP address.
 * @example checkAddress('10.0.0.7') // { allowed: false, range: 'private' }
 * @example checkAddress('::ffff:127.0.0.1') // { allowed: false, range: 'ipv4Mapped' }
 */
export function checkAddress(ip: string, policy: AddressPolicy = {}): AddressVerdict {
  if (!ipaddr.isValid(ip)) return { allowed: false, range: 'not_an_ip' };
  const range = ipaddr.parse(ip).range();
  if (range === 'unicast') return { allowed: true };
  if (range === 'loopback' && policy.allowLoopback) return { allowed: true };
  return { allowed: false, range };
}

/** A URL host without IPv6 brackets: `[::1]` → `::1`. */
export function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** True for an IP literal host (`203.0.113.9`, `[2001:db8::1]`), which needs no DNS look-up. */
export function isIpLiteral(hostname: string): boolean {
  return ipaddr.isValid(bareHost(hostname));
}

/**
 * The verdict on a host name before resolution: literal addresses are judged here, names that always
 * mean this machine or a metadata service are refused; other names need their resolved addresses.
 */
export function checkHostName(hostname: string, policy: AddressPolicy = {}): AddressVerdict | undefined {
  const host = bareHost(hostname).toLowerCase().replace(/\.$/, '');
  if (ipaddr.isValid(host)) return checkAddress(host, policy);
  if (REFUSED_HOST_NAMES.has(host) || host.endsWith('.localhost')) {
    return policy.allowLoopback && (host === 'localhost' || host.endsWith('.localhost'))
      ? undefined
      : { allowed: false, range: 'loopback' };
  }
  return undefined;
}
