import { describe, expect, it } from 'vitest';
import { shippedCountryTable } from '../../src/adapters/geoip/ip-location-db.js';

describe('the shipped IP-to-country table (@ip-location-db/geo-whois-asn-country)', () => {
  const table = shippedCountryTable();

  it('holds the IPv4 and IPv6 registries', () => {
    expect(table.size).toBeGreaterThan(100_000);
  });

  it('names the country of well-known registry blocks', () => {
    // APNIC's 1.0.16.0/20 (Japan) and RIPE's 2001:67c:4::/48 (Germany).
    expect(table.countryOf('1.0.16.77')).toBe('JP');
    expect(table.countryOf('2001:67c:4::1')).toBe('DE');
  });

  it('knows no country for documentation and private space (the table gives them a country)', () => {
    expect(table.countryOf('203.0.113.9')).toBeUndefined();
    expect(table.countryOf('10.1.2.3')).toBeUndefined();
  });
});
