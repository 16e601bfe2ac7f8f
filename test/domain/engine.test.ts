import { describe, expect, it } from 'vitest';
import { ADID, attribute, click, HOUR_MS, harness, install, T0 } from './factories.js';

describe('attribution engine', () => {
  it('attributes an install to a click on the same advertising id', async () => {
    const tp = click({ advertisingId: ADID });
    const a = await attribute([tp]);
    expect(a).toMatchObject({ status: 'attributed', kind: 'install', match: 'device_id', ctitSeconds: 3600 });
    expect(a.source?.touchpointId).toBe(tp.id);
    expect(a.explanation.length).toBeGreaterThan(3);
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
