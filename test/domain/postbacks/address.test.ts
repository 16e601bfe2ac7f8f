import { describe, expect, it } from 'vitest';
import { checkAddress, checkHostName } from '../../../src/domain/postbacks/address.js';

describe('postback destination addresses', () => {
  const refused: [string, string][] = [
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.100.100.200', 'carrierGradeNat'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['::ffff:127.0.0.1', 'ipv4Mapped'],
    ['::ffff:8.8.8.8', 'ipv4Mapped'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['64:ff9b::7f00:1', 'rfc6052'],
  ];
  for (const [address, range] of refused) {
    it(`refuses ${address} (${range})`, () => {
      expect(checkAddress(address)).toEqual({ allowed: false, range });
    });
  }

  it('allows public unicast addresses', () => {
    expect(checkAddress('8.8.8.8')).toEqual({ allowed: true });
    expect(checkAddress('2606:4700:4700::1111')).toEqual({ allowed: true });
  });

  it('allows loopback only when local tests ask for it, and nothing else', () => {
    expect(checkAddress('127.0.0.1', { allowLoopback: true })).toEqual({ allowed: true });
    expect(checkAddress('10.0.0.1', { allowLoopback: true })).toEqual({ allowed: false, range: 'private' });
    expect(checkAddress('::ffff:127.0.0.1', { allowLoopback: true })).toEqual({
      allowed: false,
      range: 'ipv4Mapped',
    });
  });

  it('refuses names of this machine and of metadata services before any look-up', () => {
    expect(checkHostName('localhost')).toEqual({ allowed: false, range: 'loopback' });
    expect(checkHostName('api.localhost')).toEqual({ allowed: false, range: 'loopback' });
    expect(checkHostName('metadata.google.internal')).toEqual({ allowed: false, range: 'loopback' });
    expect(checkHostName('[::1]')).toEqual({ allowed: false, range: 'loopback' });
    expect(checkHostName('partner.example.com')).toBeUndefined();
  });
});
