import { createHmac } from 'node:crypto';
import ipaddr from 'ipaddr.js';

/**
 * How an app keeps the IPs it receives (the `ipHandling` app setting), applied at ingest before anything
 * is published, so the stream, the identity graph and the lake only ever see the kept form.
 *
 * | value       | kept as                                           | probabilistic matching | `data_center_ip`  | `install_rate_per_ip` |
 * | ----------- | ------------------------------------------------- | ---------------------- | ----------------- | --------------------- |
 * | `full`      | the address as received                           | exact                  | runs              | per address           |
 * | `truncated` | IPv4 /24 (`203.0.113.0`), IPv6 /48 (`2001:db8:1::`) | coarser: devices of one /24 or /48 share a signature | runs on the network address | per /24 or /48 (stricter) |
 * | `hashed`    | `iph_` + 32 hex of HMAC-SHA256 under a per-app key | exact (stable per app) | cannot run: not applicable | per address           |
 */

export const IP_HANDLING = ['full', 'truncated', 'hashed'] as const;
export type IpHandling = (typeof IP_HANDLING)[number];

/** Prefix of a hashed IP: never a valid address, so nothing mistakes it for one. */
export const HASHED_IP_PREFIX = 'iph_';

const IPV4_PREFIX_BITS = 24;
const IPV6_PREFIX_BITS = 48;

/** Parses an address; IPv4-mapped IPv6 (`::ffff:203.0.113.9`) reads as the IPv4 address it carries. */
function parse(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (!ipaddr.isValid(ip)) return undefined;
  const addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (addr as ipaddr.IPv6).toIPv4Address();
  }
  return addr;
}

/**
 * The network address of `ip`'s IPv4 /24 or IPv6 /48; a value that is not an IP is returned unchanged.
 * @example truncateIp('203.0.113.77') // '203.0.113.0'
 * @example truncateIp('2001:db8:abcd:12::1') // '2001:db8:abcd::'
 */
export function truncateIp(ip: string): string {
  const addr = parse(ip);
  if (!addr) return ip;
  const mask =
    addr.kind() === 'ipv4'
      ? ipaddr.IPv4.subnetMaskFromPrefixLength(IPV4_PREFIX_BITS)
      : ipaddr.IPv6.subnetMaskFromPrefixLength(IPV6_PREFIX_BITS);
  const network = mask.toByteArray();
  const bytes = addr.toByteArray().map((byte, i) => byte & (network[i] ?? 0));
  return ipaddr.fromByteArray(bytes).toString();
}

/**
 * A stable opaque stand-in for `ip`: HMAC-SHA256 under `key`, so the same address always gives the same
 * value within an app (matching keeps working) and cannot be reversed by hashing the IPv4 space without
 * the key. Addresses are normalised first: `::ffff:203.0.113.9` and `203.0.113.9` hash alike.
 * @example hashIp('203.0.113.9', appKey) // 'iph_3f1c…' (32 hex digits)
 */
export function hashIp(ip: string, key: string): string {
  const addr = parse(ip);
  const normalised = addr ? addr.toNormalizedString() : ip;
  const digest = createHmac('sha256', key).update(normalised, 'utf8').digest('hex');
  return `${HASHED_IP_PREFIX}${digest.slice(0, 32)}`;
}

/** True for a value `hashIp` produced. */
export function isHashedIp(value: string): boolean {
  return value.startsWith(HASHED_IP_PREFIX);
}

/**
 * The function that turns a received IP into its kept form under an app's setting.
 * @param hashKey the app's IP hash key; required for `hashed`
 * @example
 * const keep = ipProtector('truncated');
 * keep('203.0.113.77'); // '203.0.113.0'
 */
export function ipProtector(
  handling: IpHandling,
  hashKey?: string,
): (ip: string | undefined) => string | undefined {
  if (handling === 'full') return (ip) => ip;
  if (handling === 'truncated') return (ip) => (ip === undefined ? undefined : truncateIp(ip));
  if (!hashKey) throw new Error('ipProtector: the hashed IP handling needs the app hash key');
  return (ip) => (ip === undefined ? undefined : hashIp(ip, hashKey));
}

/** `value` with its `ip` in the kept form; the same object when there is nothing to change. */
export function withProtectedIp<T extends { readonly ip?: string }>(
  value: T,
  protect: (ip: string | undefined) => string | undefined,
): T {
  if (value.ip === undefined) return value;
  const ip = protect(value.ip);
  return ip === value.ip ? value : { ...value, ip };
}
