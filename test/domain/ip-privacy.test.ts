import { describe, expect, it } from 'vitest';
import { hashIp, ipProtector, isHashedIp, truncateIp, withProtectedIp } from '../../src/domain/ip-privacy.js';
import { resolveSettings } from '../../src/domain/settings.js';
import { ADID, ADID_2, ANDROID_UA, attribute, click, install, T0 } from './factories.js';

const KEY = 'app-hash-key-one';

describe('IP handling', () => {
  it('keeps IPs in full unless the app says otherwise (SPEC default)', () => {
    expect(resolveSettings({}).ipHandling).toBe('full');
    expect(ipProtector('full')('203.0.113.77')).toBe('203.0.113.77');
  });

  describe('truncated', () => {
    it.each([
      ['203.0.113.77', '203.0.113.0'],
      ['198.51.100.255', '198.51.100.0'],
      ['::ffff:203.0.113.77', '203.0.113.0'],
      ['2001:db8:abcd:12::1', '2001:db8:abcd::'],
      ['2001:db8:abcd:ffff:ffff:ffff:ffff:ffff', '2001:db8:abcd::'],
      ['::1', '::'],
    ])('keeps %s as its network %s (IPv4 /24, IPv6 /48)', (ip, network) => {
      expect(truncateIp(ip)).toBe(network);
      expect(ipProtector('truncated')(ip)).toBe(network);
    });

    it('leaves a value that is not an IP unchanged', () => {
      expect(truncateIp('not-an-ip')).toBe('not-an-ip');
    });
  });

  describe('hashed', () => {
    it('gives one address the same opaque value every time within an app (matching keeps working)', () => {
      const h = hashIp('203.0.113.77', KEY);
      expect(h).toMatch(/^iph_[0-9a-f]{32}$/);
      expect(hashIp('203.0.113.77', KEY)).toBe(h);
      expect(isHashedIp(h)).toBe(true);
      expect(h).not.toContain('203.0.113');
    });

    it('hashes the spellings of one address alike', () => {
      expect(hashIp('::ffff:203.0.113.77', KEY)).toBe(hashIp('203.0.113.77', KEY));
      expect(hashIp('2001:DB8::1', KEY)).toBe(hashIp('2001:db8:0:0:0:0:0:1', KEY));
    });

    it('gives different addresses, and one address in different apps, different values', () => {
      expect(hashIp('203.0.113.78', KEY)).not.toBe(hashIp('203.0.113.77', KEY));
      expect(hashIp('203.0.113.77', 'another-app-key')).not.toBe(hashIp('203.0.113.77', KEY));
    });

    it('needs the app hash key', () => {
      expect(() => ipProtector('hashed')).toThrow(/hash key/);
      expect(ipProtector('hashed', KEY)('203.0.113.77')).toBe(hashIp('203.0.113.77', KEY));
    });
  });

  describe('withProtectedIp', () => {
    it('replaces the ip of a record and leaves records without one as they are', () => {
      const keep = ipProtector('truncated');
      expect(withProtectedIp({ id: 'a', ip: '203.0.113.77' }, keep)).toEqual({ id: 'a', ip: '203.0.113.0' });
      const noIp: { id: string; ip?: string } = { id: 'b' };
      expect(withProtectedIp(noIp, keep)).toBe(noIp);
    });
  });

  describe('what the kept form does to attribution', () => {
    const sameDevice = { userAgent: ANDROID_UA, platform: 'android' as const };

    it('still matches probabilistically on a hashed IP: one address hashes alike on the click and the install', async () => {
      const keep = ipProtector('hashed', KEY);
      const a = await attribute(
        [withProtectedIp(click({ ip: '203.0.113.77', ...sameDevice }), keep)],
        withProtectedIp(install({ ip: '203.0.113.77', advertisingId: ADID_2, ...sameDevice }), keep),
      );
      expect(a).toMatchObject({ status: 'attributed', match: 'probabilistic' });
    });

    it('matches devices of one /24 together when IPs are truncated (coarser)', async () => {
      const keep = ipProtector('truncated');
      const a = await attribute(
        [withProtectedIp(click({ ip: '203.0.113.5', ...sameDevice }), keep)],
        withProtectedIp(install({ ip: '203.0.113.77', advertisingId: ADID_2, ...sameDevice }), keep),
      );
      expect(a).toMatchObject({ status: 'attributed', match: 'probabilistic' });
    });

    it('skips the data-centre check on a hashed IP, saying why', async () => {
      const a = await attribute(
        [click({ advertisingId: ADID, timestampMs: T0 - 60_000 })],
        install({ ip: hashIp('52.1.2.3', KEY) }),
        {},
        { dataCenterCidrs: ['52.0.0.0/11'] },
      );
      expect(a.fraud).toEqual([]);
      expect(a.explanation).toContain(
        "Fraud check data_center_ip: not applicable, the app keeps IPs hashed (ip_handling 'hashed'): ranges cannot be checked.",
      );
    });

    it('still runs the data-centre check on a truncated IP', async () => {
      const a = await attribute(
        [click({ advertisingId: ADID, timestampMs: T0 - 60_000 })],
        install({ ip: truncateIp('52.1.2.3') }),
        {},
        { dataCenterCidrs: ['52.0.0.0/11'] },
      );
      expect(a.fraud).toMatchObject([{ reason: 'data_center_ip' }]);
    });
  });
});
