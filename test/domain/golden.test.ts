import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AppSettingsInput, Touchpoint } from '../../src/domain/index.js';
import { ADID, ANDROID_UA, APP, attribute, IP, install, T0, TENANT } from './factories.js';

interface GoldenTouchpoint {
  id: string;
  type: 'click' | 'impression';
  network: string;
  ageSeconds: number;
  by: 'device' | 'signature' | 'referrer';
}
interface Scenario {
  name: string;
  settings?: AppSettingsInput;
  touchpoints: GoldenTouchpoint[];
  expected: { status: string; kind: string; match: string; network: string | null; fraud: string[] };
}

const golden = JSON.parse(readFileSync(new URL('./golden/scenarios.json', import.meta.url), 'utf8')) as {
  scenarios: Scenario[];
};

const toTouchpoint = (g: GoldenTouchpoint): Touchpoint => ({
  id: g.id,
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
    const referrer = s.touchpoints.find((t) => t.by === 'referrer')?.id;
    const a = await attribute(
      s.touchpoints.map(toTouchpoint),
      install({
        ip: IP,
        osVersion: '14',
        model: 'Pixel 8',
        ...(referrer ? { referrerClickId: referrer } : {}),
      }),
      s.settings ?? {},
    );
    expect({
      status: a.status,
      kind: a.kind,
      match: a.match,
      network: a.source?.network ?? null,
      fraud: a.fraud.map((f) => f.reason),
    }).toEqual(s.expected);
    expect(a.explanation.length).toBeGreaterThan(2);
  });
});
