import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppSettingsWireSchema, type Touchpoint } from '../../src/domain/index.js';
import { ADID, ANDROID_UA, APP, attribute, IP, install, T0, TENANT } from './factories.js';

interface GoldenTouchpoint {
  id: string;
  type: 'click' | 'impression';
  network: string;
  ageSeconds: number;
  by: 'device' | 'signature' | 'referrer' | 'network_referrer';
}
interface Scenario {
  name: string;
  /** As the app settings API takes them (snake_case). */
  settings?: Record<string, unknown>;
  touchpoints: GoldenTouchpoint[];
  expected: { status: string; kind: string; match: string; network: string | null; fraud: string[] };
}

const golden = JSON.parse(readFileSync(new URL('./golden/scenarios.json', import.meta.url), 'utf8')) as {
  scenarios: Scenario[];
};

// A network's click: our id is another; the network's click_id is the golden id the referrer carries.
const toTouchpoint = (g: GoldenTouchpoint): Touchpoint => ({
  id: g.by === 'network_referrer' ? `tp_${g.id}` : g.id,
  ...(g.by === 'network_referrer' ? { networkClickId: g.id } : {}),
  tenantId: TENANT,
  appId: APP,
  type: g.type,
  network: g.network,
  timestampMs: T0 - g.ageSeconds * 1000,
  ...(g.by === 'device'
    ? { advertisingId: ADID }
    : g.by === 'signature'
      ? { ip: IP, userAgent: ANDROID_UA }
      : {}),
});

describe('golden scenarios (test/domain/golden/scenarios.json)', () => {
  it.each(golden.scenarios.map((s) => [s.name, s] as const))('%s', async (_name, s) => {
    const referrer = s.touchpoints.find((t) => t.by === 'referrer' || t.by === 'network_referrer')?.id;
    const a = await attribute(
      s.touchpoints.map(toTouchpoint),
      install({
        ip: IP,
        osVersion: '14',
        model: 'Pixel 8',
        ...(referrer ? { referrerClickId: referrer } : {}),
      }),
      AppSettingsWireSchema.parse(s.settings ?? {}),
    );
    expect({
      status: a.status,
      kind: a.kind,
      match: a.match,
      network: a.source?.network ?? null,
      fraud: a.fraud.map((f) => f.reason),
    }).toEqual(s.expected);
    const verdict = a.explanation.at(-1);
    if (s.expected.status === 'organic') expect(verdict).toBe('Result: organic.');
    else
      expect(verdict).toMatch(new RegExp(`^Result: (attributed to|rejected for) ${s.expected.network}\\b`));
  });
});
