import { describe, expect, it } from 'vitest';
import { installSignatures, parseUserAgent, touchpointSignature } from '../../src/domain/index.js';
import { ANDROID_UA, IP, IPHONE_UA } from './factories.js';

describe('User-Agent normalisation', () => {
  it('reads an Android Chrome User-Agent', () => {
    expect(parseUserAgent(ANDROID_UA)).toEqual({ platform: 'android', osMajor: '14', model: 'pixel8' });
  });

  it('reads an Android WebView / Dalvik User-Agent with a locale segment', () => {
    expect(
      parseUserAgent('Dalvik/2.1.0 (Linux; U; Android 13; en-us; SM-S911B Build/TP1A.220624.014)'),
    ).toEqual({
      platform: 'android',
      osMajor: '13',
      model: 'sms911b',
    });
  });

  it('reads an iPhone Safari User-Agent to the device family', () => {
    expect(parseUserAgent(IPHONE_UA)).toEqual({ platform: 'ios', osMajor: '17', model: 'iphone' });
  });

  it('ignores the frozen parts of a reduced Chrome User-Agent', () => {
    const reduced =
      'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';
    expect(parseUserAgent(reduced)).toEqual({ platform: 'android' });
  });

  it('knows nothing from an unknown User-Agent', () => {
    expect(parseUserAgent('curl/8.0')).toEqual({});
  });
});

describe('probabilistic signature', () => {
  it('gives a click User-Agent and the SDK device fields the same signature', () => {
    const fromClick = touchpointSignature({ ip: IP, userAgent: ANDROID_UA });
    const fromSdk = installSignatures({
      ip: IP,
      platform: 'android',
      osVersion: '14.0.1',
      model: 'Pixel 8',
      userAgent: 'okhttp/4.12.0',
    });
    expect(fromClick).toBe(`${IP}|android|14|pixel8`);
    expect(fromSdk[0]).toBe(fromClick);
  });

  it('matches an iPhone click with the SDK model identifier', () => {
    const fromClick = touchpointSignature({ ip: IP, userAgent: IPHONE_UA });
    const fromSdk = installSignatures({ ip: IP, platform: 'ios', osVersion: '17.1.2', model: 'iPhone15,2' });
    expect(fromSdk[0]).toBe(fromClick);
  });

  it('lets an install find a click whose browser hid the model and OS', () => {
    const reduced =
      'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';
    const click = touchpointSignature({ ip: IP, userAgent: reduced });
    expect(installSignatures({ ip: IP, platform: 'android', osVersion: '14', model: 'Pixel 8' })).toContain(
      click,
    );
  });

  it('does not match across IPs or OS versions', () => {
    const click = touchpointSignature({ ip: IP, userAgent: ANDROID_UA });
    expect(
      installSignatures({ ip: '198.51.100.24', platform: 'android', osVersion: '14', model: 'Pixel 8' }),
    ).not.toContain(click);
    expect(
      installSignatures({ ip: IP, platform: 'android', osVersion: '13', model: 'Pixel 8' }),
    ).not.toContain(click);
  });

  it('has no signature without an IP', () => {
    expect(touchpointSignature({ userAgent: ANDROID_UA })).toBeUndefined();
    expect(installSignatures({ platform: 'android' })).toEqual([]);
  });
});
