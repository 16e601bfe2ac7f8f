import {
  type DeviceIdentifiers,
  deviceIdentifiers,
  type IdentifierKeys,
  identifierKeysOf,
} from './identity.js';
import { clickIdKey, eventKey, ipHourKey, signatureKey } from './keys.js';
import type { AppEvent, PipelineRecord, Touchpoint } from './records.js';
import { installSignatures, touchpointSignature } from './signature.js';
import type { StoreLoadRequest } from './store.js';

/**
 * The first step of a batch: every record's identifiers normalised and every key it needs computed
 * once, for the one `store.load` and for the decisions.
 */

export interface PreparedEvent {
  readonly kind: 'event';
  readonly index: number;
  readonly event: AppEvent;
  readonly ids: DeviceIdentifiers;
  readonly keys: IdentifierKeys;
  readonly eventKey: string;
  /** For install and open events: the referrer click key, then the signature keys. */
  readonly referrerKey: string | undefined;
  readonly signatureKeys: readonly string[];
  readonly ipHourKey: string | undefined;
}

export interface PreparedTouchpoint {
  readonly kind: 'touchpoint';
  readonly index: number;
  readonly touchpoint: Touchpoint;
  readonly keys: IdentifierKeys;
  readonly matchKeys: readonly string[];
}

export type PreparedRecord = PreparedEvent | PreparedTouchpoint;

const NO_KEYS: readonly string[] = [];

function prepareTouchpoint(index: number, tp: Touchpoint): PreparedTouchpoint {
  const keys = identifierKeysOf(tp.tenantId, tp.appId, deviceIdentifiers(tp));
  // The same keys, in the same order, as `touchpointMatchKeys(tp)`, without normalising twice.
  const matchKeys = tp.type === 'click' ? [clickIdKey(tp.tenantId, tp.appId, tp.id)] : [];
  if (tp.type === 'click' && tp.networkClickId !== undefined && tp.networkClickId !== tp.id) {
    matchKeys.push(clickIdKey(tp.tenantId, tp.appId, tp.networkClickId));
  }
  if (keys.adid !== undefined) matchKeys.push(keys.adid);
  if (keys.idfv !== undefined) matchKeys.push(keys.idfv);
  const signature = touchpointSignature(tp);
  if (signature !== undefined) matchKeys.push(signatureKey(tp.tenantId, tp.appId, signature));
  return { kind: 'touchpoint', index, touchpoint: tp, keys, matchKeys };
}

function prepareEvent(index: number, e: AppEvent): PreparedEvent {
  const ids = deviceIdentifiers(e);
  const keys = identifierKeysOf(e.tenantId, e.appId, ids);
  const mayInstall = e.type === 'install' || e.type === 'open';
  let signatureKeys = NO_KEYS;
  if (mayInstall && e.ip !== undefined) {
    const sigs = installSignatures(e);
    signatureKeys = sigs.map((s) => signatureKey(e.tenantId, e.appId, s));
  }
  // Plain optional properties (not conditional spreads): this runs once per record on the hot path.
  return {
    kind: 'event',
    index,
    event: e,
    ids,
    keys,
    eventKey: eventKey(e.tenantId, e.appId, e.eventId),
    referrerKey:
      mayInstall && e.referrerClickId !== undefined
        ? clickIdKey(e.tenantId, e.appId, e.referrerClickId)
        : undefined,
    signatureKeys,
    ipHourKey:
      mayInstall && e.ip !== undefined ? ipHourKey(e.tenantId, e.appId, e.ip, e.timestampMs) : undefined,
  };
}

/** Normalises identifiers and computes every key of each record once, for loading and for deciding. */
export function prepareBatch(records: readonly PipelineRecord[]): PreparedRecord[] {
  const out = new Array<PreparedRecord>(records.length);
  for (let index = 0; index < records.length; index++) {
    const r = records[index] as PipelineRecord;
    out[index] =
      r.kind === 'touchpoint' ? prepareTouchpoint(index, r.touchpoint) : prepareEvent(index, r.event);
  }
  return out;
}

/** The keys of `collectKeys`, as sets. */
export interface KeySets {
  readonly deviceKeys: ReadonlySet<string>;
  /** Exactly the keys the batch's installs and opens read touchpoints under. */
  readonly touchpointKeys: ReadonlySet<string>;
  readonly eventKeys: ReadonlySet<string>;
  readonly ipHourKeys: ReadonlySet<string>;
}

/** Every key a batch needs, each once: the argument of the one `store.load` call. */
export function collectKeys(prepared: readonly PreparedRecord[]): StoreLoadRequest {
  return loadRequestOf(collectKeySets(prepared));
}

/** The `store.load` argument of a batch's key sets. */
export function loadRequestOf(sets: KeySets): StoreLoadRequest {
  return {
    deviceKeys: [...sets.deviceKeys],
    touchpointKeys: [...sets.touchpointKeys],
    eventKeys: [...sets.eventKeys],
    ipHourKeys: [...sets.ipHourKeys],
  };
}

/** `collectKeys` as sets: the engine also uses them while deciding. */
export function collectKeySets(prepared: readonly PreparedRecord[]): KeySets {
  const deviceKeys = new Set<string>();
  const touchpointKeys = new Set<string>();
  const eventKeys = new Set<string>();
  const ipHourKeys = new Set<string>();
  for (let i = 0; i < prepared.length; i++) {
    const p = prepared[i] as PreparedRecord;
    if (p.kind === 'touchpoint') {
      // Only a retargeting click reads its device (to re-engage it); any other touchpoint is just stored.
      const tp = p.touchpoint;
      if (tp.type !== 'click' || tp.retargeting !== true) continue;
      if (p.keys.adid !== undefined) deviceKeys.add(p.keys.adid);
      if (p.keys.idfv !== undefined) deviceKeys.add(p.keys.idfv);
      continue;
    }
    if (p.keys.adid !== undefined) deviceKeys.add(p.keys.adid);
    if (p.keys.idfv !== undefined) deviceKeys.add(p.keys.idfv);
    if (p.keys.cuid !== undefined) deviceKeys.add(p.keys.cuid);
    eventKeys.add(p.eventKey);
    if (p.event.type !== 'install' && p.event.type !== 'open') continue;
    if (p.keys.adid !== undefined) touchpointKeys.add(p.keys.adid);
    if (p.keys.idfv !== undefined) touchpointKeys.add(p.keys.idfv);
    if (p.referrerKey !== undefined) touchpointKeys.add(p.referrerKey);
    for (let k = 0; k < p.signatureKeys.length; k++) touchpointKeys.add(p.signatureKeys[k] as string);
    if (p.ipHourKey !== undefined) ipHourKeys.add(p.ipHourKey);
  }
  return { deviceKeys, touchpointKeys, eventKeys, ipHourKeys };
}
