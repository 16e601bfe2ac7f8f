import {
  type AppEvent,
  type AppSettings,
  type AppSettingsInput,
  type Attribution,
  AttributionEngine,
  DAY_MS,
  type EngineOptions,
  HOUR_MS,
  InMemoryAttributionStore,
  type PipelineRecord,
  resolveSettings,
  type Touchpoint,
  type UnitOfWork,
} from '../../src/domain/index.js';

/** Test data factories: readable defaults, override what the test is about. */

export const TENANT = 'acme';
export const APP = 'com.demo.game';
/** Install time used by most tests: 2026-11-20T10:00:00Z. */
export const T0 = Date.parse('2026-11-20T10:00:00Z');
export const SECOND = 1000;
export const MINUTE = 60_000;
export { DAY_MS, HOUR_MS };

export const ADID = '3f1e2d4c-5b6a-4789-9abc-def012345678';
export const ADID_2 = '9a8b7c6d-5e4f-4321-8fed-cba987654321';
export const IDFV = 'B1C2D3E4-F5A6-4B7C-8D9E-0F1A2B3C4D5E';
export const IP = '198.51.100.23';
export const ANDROID_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UD1A.230803.041) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';
export const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';

let seq = 0;
const next = (prefix: string) => `${prefix}${++seq}`;

export function click(overrides: Partial<Touchpoint> = {}): Touchpoint {
  return {
    id: next('tp_'),
    tenantId: TENANT,
    appId: APP,
    type: 'click',
    network: 'meta',
    campaign: 'summer',
    timestampMs: T0 - HOUR_MS,
    ...overrides,
  };
}

export function impression(overrides: Partial<Touchpoint> = {}): Touchpoint {
  return click({ type: 'impression', network: 'unity', campaign: 'video', ...overrides });
}

export function appEvent(overrides: Partial<AppEvent> = {}): AppEvent {
  return {
    eventId: next('ev_'),
    tenantId: TENANT,
    appId: APP,
    type: 'purchase',
    timestampMs: T0 + HOUR_MS,
    platform: 'android',
    advertisingId: ADID,
    ...overrides,
  };
}

export function install(overrides: Partial<AppEvent> = {}): AppEvent {
  return appEvent({ type: 'install', timestampMs: T0, ...overrides });
}

/** A unit of work that writes nothing; override what the test is about. */
export function unitOfWork(overrides: Partial<UnitOfWork> = {}): UnitOfWork {
  return {
    recordIndex: 0,
    devices: [],
    identifierLinks: [],
    touchpoints: [],
    attributions: [],
    eventAttributions: [],
    counters: [],
    ipHourIncrements: [],
    ...overrides,
  };
}

export function toRecord(item: Touchpoint | AppEvent): PipelineRecord {
  return 'eventId' in item
    ? { kind: 'event', receivedAtMs: item.timestampMs, event: item }
    : { kind: 'touchpoint', receivedAtMs: item.timestampMs, touchpoint: item };
}

export function settings(input: AppSettingsInput = {}): AppSettings {
  return resolveSettings(input);
}

export interface Harness {
  readonly store: InMemoryAttributionStore;
  readonly engine: AttributionEngine;
  /** Sends items as one batch. */
  send(...items: (Touchpoint | AppEvent)[]): ReturnType<AttributionEngine['processBatch']>;
  /** Sends each item as its own batch, in order; returns the attribution of the last event that made one. */
  sendEach(...items: (Touchpoint | AppEvent)[]): Promise<Attribution | undefined>;
}

export function harness(
  input: AppSettingsInput = {},
  options: Partial<EngineOptions> & { store?: InMemoryAttributionStore } = {},
): Harness {
  const store = options.store ?? new InMemoryAttributionStore();
  const s = resolveSettings(input);
  const engine = new AttributionEngine(store, { settingsFor: () => s, ...options });
  return {
    store,
    engine,
    send: (...items) => engine.processBatch(items.map(toRecord)),
    async sendEach(...items) {
      let last: Attribution | undefined;
      for (const item of items) {
        const r = await engine.processBatch([toRecord(item)]);
        const a = r.outcomes[0]?.attribution;
        if (a) last = a;
      }
      return last;
    },
  };
}

/** Attributes one install after the given touchpoints (all in one batch) and returns the decision. */
export async function attribute(
  touchpoints: readonly Touchpoint[],
  installEvent: AppEvent = install(),
  input: AppSettingsInput = {},
  options: Partial<EngineOptions> = {},
): Promise<Attribution> {
  const h = harness(input, options);
  const result = await h.send(...touchpoints, installEvent);
  const a = result.outcomes[touchpoints.length]?.attribution;
  if (!a) throw new Error(`no attribution: ${JSON.stringify(result.outcomes.at(-1))}`);
  return a;
}
