import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { DataCenterMatcher } from '../../src/domain/index.js';
import { ADID, attribute, click, harness, IP, install, SECOND, T0 } from './factories.js';

const clickAgo = (ms: number, overrides = {}) =>
  click({ advertisingId: ADID, timestampMs: T0 - ms, ...overrides });

describe('click injection (10 s threshold)', () => {
  it('rejects a click 9 seconds before the install, still naming the network', async () => {
    const a = await attribute([clickAgo(9 * SECOND)]);
    expect(a).toMatchObject({
      status: 'rejected',
      source: { network: 'meta' },
      fraud: [{ reason: 'click_injection', mode: 'reject' }],
    });
    expect(a.fraud[0]?.detail).toBe('click-to-install time 9 s is under the 10 s threshold');
    expect(a.credits.last_touch).toEqual([]);
  });
  it('accepts a click exactly 10 seconds before the install', async () => {
    expect((await attribute([clickAgo(10 * SECOND)])).status).toBe('attributed');
  });
  it('rejects a click timed after the Play install began', async () => {
    const a = await attribute([clickAgo(60 * SECOND)], install({ installBeginMs: T0 - 120 * SECOND }));
    expect(a.fraud).toEqual([
      expect.objectContaining({
        reason: 'click_injection',
        detail: 'the click came 60 s after the install began',
      }),
    ]);
  });
  it('only flags it in flag mode', async () => {
    const a = await attribute([clickAgo(SECOND)], install(), { fraudModes: { click_injection: 'flag' } });
    expect(a).toMatchObject({ status: 'attributed', fraud: [{ reason: 'click_injection', mode: 'flag' }] });
    expect(a.explanation.at(-1)).toBe('Result: attributed to meta / summer, flagged (click_injection).');
  });
});

describe('malformed advertising id', () => {
  it('rejects an install whose advertising id is all zeros', async () => {
    const tp = click();
    const a = await attribute(
      [tp],
      install({ advertisingId: '00000000-0000-0000-0000-000000000000', referrerClickId: tp.id }),
    );
    expect(a.fraud.map((f) => f.reason)).toEqual(['malformed_advertising_id']);
    expect(a.status).toBe('rejected');
  });
});

describe('bot User-Agent', () => {
  it('rejects an install whose click came from a crawler', async () => {
    const a = await attribute([
      clickAgo(60_000, {
        userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      }),
    ]);
    expect(a.fraud).toMatchObject([{ reason: 'bot_user_agent' }]);
  });
  it('passes a phone browser', async () => {
    const a = await attribute([clickAgo(60_000)], install({ userAgent: 'okhttp/4.12.0' }));
    expect(a.explanation).toContain(
      'Fraud check bot_user_agent: passed, no bot User-Agent on the install or the touchpoint.',
    );
  });
});

describe('installs per IP per hour (limit 50)', () => {
  it('accepts the 50th install from one IP in an hour and rejects the 51st', async () => {
    const h = harness({ maxInstallsPerIpPerHour: 50 });
    const items = [];
    for (let i = 0; i < 51; i++) {
      const adid = `3f1e2d4c-5b6a-4789-9abc-${String(i).padStart(12, '0')}`;
      items.push(
        click({ advertisingId: adid, timestampMs: T0 - 60_000 }),
        install({ advertisingId: adid, ip: IP, timestampMs: T0 + i }),
      );
    }
    const r = await h.send(...items);
    expect(r.outcomes[99]?.attribution?.status).toBe('attributed');
    expect(r.outcomes[101]?.attribution?.fraud).toMatchObject([{ reason: 'install_rate_per_ip' }]);
    expect(h.store.total('rejected')).toBe(1);
  });
  it('counts the next clock hour afresh', async () => {
    const h = harness({ maxInstallsPerIpPerHour: 1 });
    await h.send(clickAgo(60_000), install({ ip: IP }));
    const r = await h.send(
      click({ advertisingId: ADID.replace('3f', '4f'), timestampMs: T0 + 3_500_000 }),
      install({ advertisingId: ADID.replace('3f', '4f'), ip: IP, timestampMs: T0 + 3_600_000 }),
    );
    expect(r.outcomes[1]?.attribution?.status).toBe('attributed');
  });
});

describe('data-centre IPs', () => {
  it('rejects an install from an operator-listed range', async () => {
    const a = await attribute(
      [clickAgo(60_000)],
      install({ ip: '52.1.2.3' }),
      {},
      { dataCenterCidrs: ['52.0.0.0/11'] },
    );
    expect(a.fraud).toMatchObject([
      { reason: 'data_center_ip', detail: 'IP 52.1.2.3 is in data-centre range 52.0.0.0/11' },
    ]);
  });
  it('matches IPv6 ranges and IPv4-mapped addresses', () => {
    const m = new DataCenterMatcher(['2600:1f00::/24', '52.0.0.0/11']);
    expect(m.match('2600:1f00::1')).toBe('2600:1f00::/24');
    expect(m.match('::ffff:52.1.2.3')).toBe('52.0.0.0/11');
    expect(m.match('198.51.100.1')).toBeUndefined();
  });
  it('answers every address form as ipaddr.js reads it (range edges, octal, short and invalid forms)', () => {
    const cidrs = ['2600:1f00::/24', '52.0.0.0/11', '10.1.2.3/32', '0.0.0.0/0'];
    const m = new DataCenterMatcher(cidrs);
    const narrow = new DataCenterMatcher(['52.0.0.0/11', '192.0.2.0/24']);
    // What the rule means: the first range, in the operator's order, that holds the address.
    const reference = (list: string[], ip: string) => {
      if (!ipaddr.isValid(ip)) return undefined;
      let addr = ipaddr.parse(ip);
      if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress())
        addr = (addr as ipaddr.IPv6).toIPv4Address();
      return list.find((c) => {
        const range = ipaddr.parseCIDR(c);
        return range[0].kind() === addr.kind() && addr.match(range);
      });
    };
    const ips = [
      '52.0.0.0',
      '52.31.255.255',
      '52.32.0.0',
      '51.255.255.255',
      '10.1.2.3',
      '10.1.2.4',
      '192.0.2.255',
      '192.0.3.0',
      '0.0.0.0',
      '255.255.255.255',
      '256.1.1.1',
      '052.1.2.3',
      '064.1.2.3',
      '0x34.1.2.3',
      '52.1',
      '872415235',
      '1.2.3',
      '1.2.3.4.5',
      '1..2.3',
      '1.2.3.',
      ' 52.1.2.3',
      '::ffff:52.1.2.3',
      '2600:1f00::1',
      'not an ip',
    ];
    for (const ip of ips) {
      expect(m.match(ip), ip).toBe(reference(cidrs, ip));
      expect(narrow.match(ip), ip).toBe(reference(['52.0.0.0/11', '192.0.2.0/24'], ip));
    }
  });
  it('refuses a malformed CIDR, naming it', () => {
    expect(() => new DataCenterMatcher(['52.0.0.0/99'])).toThrow(
      'dataCenterCidrs: "52.0.0.0/99" is not a CIDR range',
    );
  });
});

describe('fraud checks in the explanation', () => {
  it('lists every rule run with its result', async () => {
    const a = await attribute([clickAgo(3600_000)], install({ ip: IP }));
    const fraudLines = a.explanation.filter((l) => l.startsWith('Fraud check'));
    expect(fraudLines.map((l) => l.split(':')[0])).toEqual([
      'Fraud check click_injection',
      'Fraud check malformed_advertising_id',
      'Fraud check bot_user_agent',
      'Fraud check install_rate_per_ip',
      'Fraud check data_center_ip',
    ]);
  });
  it('does not run on an organic install', async () => {
    const a = await attribute([], install({ advertisingId: '00000000-0000-0000-0000-000000000000' }));
    expect(a).toMatchObject({ status: 'organic', fraud: [] });
  });
});
