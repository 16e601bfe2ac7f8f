import { describe, expect, it } from 'vitest';
import { ADID, attribute, click, HOUR_MS, harness, install, T0 } from './factories.js';

describe('attribution engine', () => {
  it('attributes an install to a click on the same advertising id', async () => {
    const tp = click({ advertisingId: ADID });
    const a = await attribute([tp]);
    expect(a).toMatchObject({ status: 'attributed', kind: 'install', match: 'device_id', ctitSeconds: 3600 });
    expect(a.source?.touchpointId).toBe(tp.id);
    expect(a.explanation).toEqual([
      `Identity: new device ${a.deviceId}.`,
      `Rule 1 (install): first install of device ${a.deviceId}, at 2026-11-20T10:00:00.000Z.`,
      `Rule 2 (precedence): winner click ${tp.id} (meta / summer), matched by a device id (click), 1 h before the install (1 qualifying of 1 found).`,
      'Fraud check click_injection: passed, click-to-install time 1 h is at or above the 10 s threshold.',
      'Fraud check malformed_advertising_id: passed, advertising id is a valid UUID or was not sent.',
      'Fraud check bot_user_agent: passed, no bot User-Agent on the install or the touchpoint.',
      'Fraud check install_rate_per_ip: not applicable, the install has no IP.',
      'Fraud check data_center_ip: not applicable, no data-centre ranges configured.',
      'Result: attributed to meta / summer.',
    ]);
  });

  it('sees a click stored in an earlier batch', async () => {
    const h = harness();
    const tp = click({ advertisingId: ADID, timestampMs: T0 - 2 * HOUR_MS });
    await h.send(tp);
    const r = await h.send(install());
    expect(r.outcomes[0]?.attribution?.source?.network).toBe('meta');
    expect(h.store.loadCalls).toBe(2);
    expect(h.store.commitCalls).toBe(2);
  });

  describe('idempotency key (SPEC §3: same app and event_id count once)', () => {
    it('processes one event_id sent to two apps of a tenant as two events', async () => {
      const h = harness();
      const r = await h.send(
        install({ eventId: 'shared-1', appId: 'com.demo.game' }),
        install({ eventId: 'shared-1', appId: 'com.demo.other' }),
        install({ eventId: 'shared-1', appId: 'com.demo.game' }),
      );
      expect(r.outcomes.map((o) => o.status)).toEqual(['processed', 'processed', 'duplicate']);
      expect(r.outcomes[1]?.attribution).toMatchObject({ appId: 'com.demo.other', kind: 'install' });
      expect(h.store.total('installs')).toBe(2);
    });

    it('processes one event_id sent by two tenants as two events', async () => {
      const h = harness();
      const r = await h.send(
        install({ eventId: 'shared-2' }),
        install({ eventId: 'shared-2', tenantId: 'globex' }),
      );
      expect(r.outcomes.map((o) => o.status)).toEqual(['processed', 'processed']);
    });
  });
});
