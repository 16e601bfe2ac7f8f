import ipaddr from 'ipaddr.js';

/**
 * The country of an install or event (SPEC §8): the SDK's `device.country` (ISO 3166-1 alpha-2) when sent,
 * else the country of the caller's IP from an IP-to-country table. Derived at ingest before the app's IP
 * handling truncates or hashes the address (a /24 or a hash no longer names a country reliably).
 */

/** Country stand-in for no country known (ISO 3166-1 user-assigned `ZZ`): reports group these together. */
export const UNKNOWN_COUNTRY = 'ZZ';

const ALPHA2 = /^[A-Za-z]{2}$/;

/** An ISO 3166-1 alpha-2 code upper-cased, or undefined for anything else. */
export function normaliseCountry(code: string | undefined): string | undefined {
  if (code === undefined) return undefined;
  const trimmed = code.trim();
  return ALPHA2.test(trimmed) ? trimmed.toUpperCase() : undefined;
}

/** One range of an IP-to-country table, ends inclusive. */
export interface CountryRange<N extends number | bigint> {
  readonly first: N;
  readonly last: N;
  readonly country: string;
}

/**
 * An IP-to-country table: sorted, non-overlapping IPv4 and IPv6 ranges looked up by binary search.
 * Built once per process from the table's rows (`parseCountryRanges`).
 */
export class IpCountryTable {
  constructor(
    private readonly v4: readonly CountryRange<number>[],
    private readonly v6: readonly CountryRange<bigint>[],
  ) {}

  /** Ranges in the table (IPv4 + IPv6). */
  get size(): number {
    return this.v4.length + this.v6.length;
  }

  /**
   * The country of `ip`; undefined when it is not a public unicast address (private, loopback,
   * documentation and other reserved space) or no range holds it (unallocated space). IPv4-mapped IPv6 addresses read as their IPv4 address.
   * @example table.countryOf('1.0.16.1') // 'JP'
   */
  countryOf(ip: string): string | undefined {
    if (!ipaddr.isValid(ip)) return undefined;
    let addr = ipaddr.parse(ip);
    if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress())
      addr = (addr as ipaddr.IPv6).toIPv4Address();
    // The registries' tables cover private and documentation space too (with the country of whoever
    // holds the enclosing block): only a public address says where the caller is.
    if (addr.range() !== 'unicast') return undefined;
    if (addr.kind() === 'ipv4') {
      const bytes = addr.toByteArray();
      const n =
        (((bytes[0] ?? 0) << 24) >>> 0) + ((bytes[1] ?? 0) << 16) + ((bytes[2] ?? 0) << 8) + (bytes[3] ?? 0);
      return find(this.v4, n);
    }
    let n = 0n;
    for (const byte of addr.toByteArray()) n = (n << 8n) + BigInt(byte);
    return find(this.v6, n);
  }
}

function find<N extends number | bigint>(ranges: readonly CountryRange<N>[], n: N): string | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const range = ranges[mid] as CountryRange<N>;
    if (n < range.first) hi = mid - 1;
    else if (n > range.last) lo = mid + 1;
    else return range.country;
  }
  return undefined;
}

/**
 * Rows `first,last,country` of a numeric range table (the `-num.csv` layout of ip-location-db), sorted
 * by `first`; lines that do not parse are skipped.
 */
export function parseCountryRanges(csv: string, kind: 'ipv4'): CountryRange<number>[];
export function parseCountryRanges(csv: string, kind: 'ipv6'): CountryRange<bigint>[];
export function parseCountryRanges(
  csv: string,
  kind: 'ipv4' | 'ipv6',
): CountryRange<number>[] | CountryRange<bigint>[] {
  const v4: CountryRange<number>[] = [];
  const v6: CountryRange<bigint>[] = [];
  for (const line of csv.split('\n')) {
    const [first, last, country] = line.trim().split(',');
    const code = normaliseCountry(country);
    if (!first || !last || !code || !/^\d+$/.test(first) || !/^\d+$/.test(last)) continue;
    if (kind === 'ipv4') v4.push({ first: Number(first), last: Number(last), country: code });
    else v6.push({ first: BigInt(first), last: BigInt(last), country: code });
  }
  if (kind === 'ipv4') return v4.sort((a, b) => a.first - b.first);
  return v6.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
}

/** Looks up the country of an IP; undefined when unknown. */
export type CountryOfIp = (ip: string) => string | undefined;

/**
 * `value` with its `country`: the one sent (normalised), else the country of its `ip` (before IP
 * handling), else none. The same object when nothing changes.
 */
export function withCountry<T extends { readonly ip?: string; readonly country?: string }>(
  value: T,
  countryOfIp: CountryOfIp | undefined,
): T {
  const sent = normaliseCountry(value.country);
  const country = sent ?? (value.ip !== undefined ? countryOfIp?.(value.ip) : undefined);
  if (country === value.country) return value;
  if (country === undefined) {
    const { country: _dropped, ...rest } = value;
    return rest as T;
  }
  return { ...value, country };
}
