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

/** Two letters packed in 16 bits, so a table of half a million ranges holds no strings. */
const packCountry = (code: string) => (code.charCodeAt(0) << 8) | code.charCodeAt(1);
const unpackCountry = (packed: number) => String.fromCharCode(packed >> 8, packed & 0xff);
const MASK_64 = (1n << 64n) - 1n;

/** `[high, low]` 64-bit halves of bound `i` compared with an address's halves: -1, 0 or 1. */
function compareAt(bounds: BigUint64Array, i: number, high: bigint, low: bigint): number {
  const bh = bounds[2 * i] as bigint;
  const bl = bounds[2 * i + 1] as bigint;
  if (high !== bh) return high < bh ? -1 : 1;
  return low === bl ? 0 : low < bl ? -1 : 1;
}

/**
 * An IP-to-country table: sorted, non-overlapping IPv4 and IPv6 ranges in typed arrays (no object per
 * range, so the shipped table's 550 000 ranges stay a few MB), looked up by binary search.
 */
export class IpCountryTable {
  private readonly v4First: Uint32Array;
  private readonly v4Last: Uint32Array;
  private readonly v4Country: Uint16Array;
  /** IPv6 bounds as high and low 64-bit halves. */
  private readonly v6First: BigUint64Array;
  private readonly v6Last: BigUint64Array;
  private readonly v6Country: Uint16Array;

  constructor(v4: readonly CountryRange<number>[], v6: readonly CountryRange<bigint>[]) {
    const sorted4 = [...v4].sort((a, b) => a.first - b.first);
    const sorted6 = [...v6].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    this.v4First = Uint32Array.from(sorted4, (r) => r.first);
    this.v4Last = Uint32Array.from(sorted4, (r) => r.last);
    this.v4Country = Uint16Array.from(sorted4, (r) => packCountry(r.country));
    this.v6First = new BigUint64Array(sorted6.length * 2);
    this.v6Last = new BigUint64Array(sorted6.length * 2);
    this.v6Country = Uint16Array.from(sorted6, (r) => packCountry(r.country));
    sorted6.forEach((r, i) => {
      this.v6First[2 * i] = r.first >> 64n;
      this.v6First[2 * i + 1] = r.first & MASK_64;
      this.v6Last[2 * i] = r.last >> 64n;
      this.v6Last[2 * i + 1] = r.last & MASK_64;
    });
  }

  /** Ranges in the table (IPv4 + IPv6). */
  get size(): number {
    return this.v4Country.length + this.v6Country.length;
  }

  /**
   * The country of `ip`; undefined when it is not a public unicast address (private, loopback,
   * documentation and other reserved space) or no range holds it (unallocated space).
   * IPv4-mapped IPv6 addresses read as their IPv4 address.
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
    const bytes = addr.toByteArray();
    if (addr.kind() === 'ipv4') {
      const n =
        (((bytes[0] ?? 0) << 24) >>> 0) + ((bytes[1] ?? 0) << 16) + ((bytes[2] ?? 0) << 8) + (bytes[3] ?? 0);
      let lo = 0;
      let hi = this.v4Country.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (n < (this.v4First[mid] as number)) hi = mid - 1;
        else if (n > (this.v4Last[mid] as number)) lo = mid + 1;
        else return unpackCountry(this.v4Country[mid] as number);
      }
      return undefined;
    }
    let high = 0n;
    let low = 0n;
    bytes.forEach((byte, i) => {
      if (i < 8) high = (high << 8n) + BigInt(byte);
      else low = (low << 8n) + BigInt(byte);
    });
    let lo = 0;
    let hi = this.v6Country.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compareAt(this.v6First, mid, high, low) < 0) hi = mid - 1;
      else if (compareAt(this.v6Last, mid, high, low) > 0) lo = mid + 1;
      else return unpackCountry(this.v6Country[mid] as number);
    }
    return undefined;
  }
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
