import { describe, expect, it } from 'vitest';
import {
  IpCountryTable,
  normaliseCountry,
  parseCountryRanges,
  UNKNOWN_COUNTRY,
  withCountry,
} from '../../src/domain/country.js';

const V4 = ['16777216,16777471,AU', '16781312,16785407,JP', 'garbage', '3238002688,3238002943,zz'].join('\n');
// 2001:67c::/48 (IE) in the numeric layout.
const V6 = '42540619680725616439350761708257804288,42540619680726825365170376337432510463,IE\n';
const table = new IpCountryTable(parseCountryRanges(V4, 'ipv4'), parseCountryRanges(V6, 'ipv6'));

describe('country of an IP', () => {
  it('finds the range holding an IPv4 address, both ends included', () => {
    expect(table.countryOf('1.0.0.0')).toBe('AU');
    expect(table.countryOf('1.0.0.255')).toBe('AU');
    expect(table.countryOf('1.0.16.1')).toBe('JP');
  });

  it('reads an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(table.countryOf('::ffff:1.0.16.1')).toBe('JP');
  });

  it('finds an IPv6 range', () => {
    expect(table.countryOf('2001:67c::1')).toBe('IE');
  });

  it('knows no country for an address outside every range or for a value that is not an address', () => {
    expect(table.countryOf('1.0.1.0')).toBeUndefined();
    expect(table.countryOf('iph_0123')).toBeUndefined();
  });

  it('skips rows that do not parse and upper-cases codes', () => {
    expect(table.size).toBe(4);
    expect(table.countryOf('193.0.0.1')).toBe(UNKNOWN_COUNTRY);
  });

  it('knows no country for private and documentation space, whatever the table says', () => {
    const everything = new IpCountryTable([{ first: 0, last: 0xffffffff, country: 'AU' }], []);
    expect(everything.countryOf('192.168.1.1')).toBeUndefined();
    expect(everything.countryOf('203.0.113.9')).toBeUndefined();
    expect(everything.countryOf('1.2.3.4')).toBe('AU');
  });
});

describe('country of an install or event', () => {
  const lookup = (ip: string) => table.countryOf(ip);

  it('keeps the country the SDK sent, upper-cased, over the IP', () => {
    expect(withCountry({ ip: '1.0.0.1', country: 'de' }, lookup)).toEqual({ ip: '1.0.0.1', country: 'DE' });
  });

  it('derives the country from the IP when none was sent', () => {
    expect(withCountry({ ip: '1.0.0.1' }, lookup)).toEqual({ ip: '1.0.0.1', country: 'AU' });
  });

  it('leaves the country out when neither is known, and without a table', () => {
    expect(withCountry({ ip: '1.0.1.0' }, lookup)).toEqual({ ip: '1.0.1.0' });
    expect(withCountry({ ip: '1.0.0.1' }, undefined)).toEqual({ ip: '1.0.0.1' });
  });

  it('accepts only ISO 3166-1 alpha-2 codes', () => {
    expect(normaliseCountry(' fr ')).toBe('FR');
    expect(normaliseCountry('FRA')).toBeUndefined();
    expect(normaliseCountry('1A')).toBeUndefined();
  });
});
