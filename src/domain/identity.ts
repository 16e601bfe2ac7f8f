import { withIdentifiers } from './device.js';
import { identifierKey } from './keys.js';
import type { Device } from './store.js';

/**
 * Identity resolution: a device is known in an app by any of its advertising id (IDFA/GAID), vendor id
 * (IDFV) and customer user id. Device-level identifiers (advertising id, vendor id) decide which device
 * an event belongs to; the customer user id is used only when the event carries neither, because one
 * user may own several devices.
 */

/**
 * An advertising id is usable when it is a UUID (`8-4-4-4-12` hex digits, either case) and not the
 * all-zeros id that iOS (limited ad tracking) and Android (opted out of personalised ads) send in its
 * place. A character loop, not a regular expression: it runs for every record.
 */
export function isValidAdvertisingId(value: string): boolean {
  if (value.length !== 36) return false;
  let nonZero = false;
  for (let i = 0; i < 36; i++) {
    const c = value.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45 /* - */) return false;
    } else if (c === 48 /* 0 */) {
      // A zero digit.
    } else if ((c >= 49 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)) {
      nonZero = true;
    } else return false;
  }
  return nonZero;
}

/** An event's or touchpoint's identifiers, normalised; malformed advertising ids are set aside. */
export interface DeviceIdentifiers {
  /** Lower-cased, valid advertising id. */
  readonly advertisingId?: string;
  readonly vendorId?: string;
  readonly customerUserId?: string;
  /** An advertising id that was sent but is not usable (fraud rule `malformed_advertising_id`). */
  readonly malformedAdvertisingId?: string;
}

/**
 * Normalises identifiers (SPEC §4.1): advertising and vendor ids trimmed and lower-cased, an all-zero or
 * malformed advertising id set aside; the customer user id is kept exactly.
 */
export function deviceIdentifiers(input: {
  readonly advertisingId?: string;
  readonly vendorId?: string;
  readonly customerUserId?: string;
}): DeviceIdentifiers {
  const out: {
    advertisingId?: string;
    vendorId?: string;
    customerUserId?: string;
    malformedAdvertisingId?: string;
  } = {};
  const adid = input.advertisingId;
  if (adid !== undefined) {
    // Trimming only when needed keeps the common, clean id free of a copy.
    const trimmed = adid.length === 36 ? adid : adid.trim();
    if (isValidAdvertisingId(trimmed)) out.advertisingId = trimmed.toLowerCase();
    else out.malformedAdvertisingId = adid;
  }
  const idfv = input.vendorId?.trim();
  if (idfv) out.vendorId = idfv.toLowerCase();
  if (input.customerUserId !== undefined) out.customerUserId = input.customerUserId;
  return out;
}

/** Identifier keys of a set of identifiers, in resolution order (advertising id, vendor id, customer user id). */
export interface IdentifierKeys {
  readonly adid?: string;
  readonly idfv?: string;
  readonly cuid?: string;
}

export function identifierKeysOf(tenantId: string, appId: string, ids: DeviceIdentifiers): IdentifierKeys {
  const out: { adid?: string; idfv?: string; cuid?: string } = {};
  if (ids.advertisingId !== undefined) out.adid = identifierKey(tenantId, appId, 'adid', ids.advertisingId);
  if (ids.vendorId !== undefined) out.idfv = identifierKey(tenantId, appId, 'idfv', ids.vendorId);
  if (ids.customerUserId !== undefined) out.cuid = identifierKey(tenantId, appId, 'cuid', ids.customerUserId);
  return out;
}

/**
 * A short, stable hash (cyrb53-style, 64 bits as 16 hex digits). Device ids derive from it so that the
 * same input always gives the same id: no randomness, no clock.
 */
export function stableHash(input: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < input.length; i++) {
    const ch = input.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}

/** The id of a new device: derived from its first identifier key (or, with none, from its first event key). */
export function deviceIdFor(firstKey: string): string {
  return `dev_${stableHash(firstKey)}`;
}

/** Read access to the identity graph as the batch sees it. */
export interface IdentityView {
  deviceByKey(key: string): Device | undefined;
}

/** How an event's identifiers were resolved; the engine turns it into a device write and links. */
export interface IdentityResolution {
  /** The device the event belongs to, with the event's identifiers merged in; version not yet bumped. */
  readonly device: Device;
  /** The stored device it builds on; undefined for a new device. */
  readonly stored?: Device;
  /** Identifier keys that must now point at `device`. */
  readonly newLinks: readonly string[];
  /** Devices merged into `device` (their identifiers now link to it). */
  readonly merged: readonly Device[];
  /** Which identifier found the device. */
  readonly foundBy?: 'advertising id' | 'vendor id' | 'customer user id';
  /** A customer user id that already belongs to another device and was left there. */
  readonly customerUserIdElsewhere?: string;
}

const NO_DEVICES: readonly Device[] = Object.freeze([]);
/** The identifier list of a device without such identifiers, shared (lists are copied to be extended). */
const NO_IDS: readonly string[] = Object.freeze([]);

const installTimeOf = (d: Device) => d.firstAttribution?.installTimeMs ?? Number.POSITIVE_INFINITY;

/** The device kept when identifiers point at different devices: earliest install, then earliest seen, then id. */
export function comparePrimary(a: Device, b: Device): number {
  return (
    installTimeOf(a) - installTimeOf(b) ||
    a.firstSeenMs - b.firstSeenMs ||
    (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0)
  );
}

function union(a: readonly string[], b: readonly string[]): readonly string[] {
  if (b.length === 0) return a;
  let out: string[] | undefined;
  for (const v of b) {
    if (!a.includes(v) && !out?.includes(v)) {
      out ??= [...a];
      out.push(v);
    }
  }
  return out ?? a;
}

interface Found {
  readonly stored?: Device;
  readonly foundBy?: IdentityResolution['foundBy'];
  readonly merged: readonly Device[];
}

/** Rules 1–3 of `resolveIdentity`: which stored device the event belongs to, and which it absorbs. */
function findStored(
  byAdid: Device | undefined,
  byIdfv: Device | undefined,
  byCuid: Device | undefined,
  keys: IdentifierKeys,
): Found {
  if (byAdid && byIdfv && byAdid.deviceId !== byIdfv.deviceId) {
    const [primary, secondary] = comparePrimary(byAdid, byIdfv) <= 0 ? [byAdid, byIdfv] : [byIdfv, byAdid];
    return {
      stored: primary,
      merged: [secondary],
      foundBy: primary === byAdid ? 'advertising id' : 'vendor id',
    };
  }
  if (byAdid) return { stored: byAdid, foundBy: 'advertising id', merged: NO_DEVICES };
  if (byIdfv) return { stored: byIdfv, foundBy: 'vendor id', merged: NO_DEVICES };
  if (byCuid && keys.adid === undefined && keys.idfv === undefined) {
    return { stored: byCuid, foundBy: 'customer user id', merged: NO_DEVICES };
  }
  return { merged: NO_DEVICES };
}

/** The stored device with the event's identifiers and every merged device folded in. */
function mergedDevice(
  stored: Device,
  merged: readonly Device[],
  ids: DeviceIdentifiers,
  cuid: string | undefined,
  newLinks: string[],
): Device {
  let advertisingIds = withValue(stored.advertisingIds, ids.advertisingId);
  let vendorIds = withValue(stored.vendorIds, ids.vendorId);
  let customerUserIds = withValue(stored.customerUserIds, cuid);
  // The common case: a known device, nothing merged; only new identifiers change.
  if (merged.length === 0) return withIdentifiers(stored, advertisingIds, vendorIds, customerUserIds);
  const { tenantId, appId } = stored;
  let firstSeenMs = stored.firstSeenMs;
  let lastEventMs = stored.lastEventMs;
  let installCount = stored.installCount;
  let reengagement = stored.reengagement;
  for (const other of merged) {
    advertisingIds = union(advertisingIds, other.advertisingIds);
    vendorIds = union(vendorIds, other.vendorIds);
    customerUserIds = union(customerUserIds, other.customerUserIds);
    firstSeenMs = Math.min(firstSeenMs, other.firstSeenMs);
    lastEventMs = Math.max(lastEventMs, other.lastEventMs);
    installCount += other.installCount;
    if (other.reengagement && (!reengagement || other.reengagement.touchTimeMs > reengagement.touchTimeMs)) {
      reengagement = other.reengagement;
    }
    // Every identifier of the merged device now points at the primary.
    for (const v of other.advertisingIds) newLinks.push(identifierKey(tenantId, appId, 'adid', v));
    for (const v of other.vendorIds) newLinks.push(identifierKey(tenantId, appId, 'idfv', v));
    for (const v of other.customerUserIds) newLinks.push(identifierKey(tenantId, appId, 'cuid', v));
  }
  return {
    ...stored,
    advertisingIds,
    vendorIds,
    customerUserIds,
    firstSeenMs,
    lastEventMs,
    installCount,
    ...(reengagement ? { reengagement } : {}),
  };
}

/**
 * Resolves an event's device. Rules:
 * 1. The advertising id, then the vendor id, find the device.
 * 2. When they find two different devices, those are one device: the one with the earliest install is
 *    kept (primary) and the other's identifiers are linked to it.
 * 3. The customer user id finds the device only when the event carries no device-level identifier.
 * 4. Unknown identifiers make a new device, its id derived from the first identifier key.
 */
export function resolveIdentity(
  tenantId: string,
  appId: string,
  ids: DeviceIdentifiers,
  keys: IdentifierKeys,
  view: IdentityView,
  eventTimeMs: number,
  fallbackKey: string,
): IdentityResolution {
  const byAdid = keys.adid === undefined ? undefined : view.deviceByKey(keys.adid);
  const byIdfv = keys.idfv === undefined ? undefined : view.deviceByKey(keys.idfv);
  const byCuid = keys.cuid === undefined ? undefined : view.deviceByKey(keys.cuid);
  const { stored, foundBy, merged } = findStored(byAdid, byIdfv, byCuid, keys);

  const newLinks: string[] = [];
  let customerUserIdElsewhere: string | undefined;
  const storedId = stored?.deviceId;
  if (keys.adid !== undefined && (byAdid === undefined || byAdid.deviceId !== storedId))
    newLinks.push(keys.adid);
  if (keys.idfv !== undefined && (byIdfv === undefined || byIdfv.deviceId !== storedId))
    newLinks.push(keys.idfv);
  if (keys.cuid !== undefined && (byCuid === undefined || byCuid.deviceId !== storedId)) {
    // A customer user id already on another device stays there: one user may own several devices.
    if (byCuid) customerUserIdElsewhere = ids.customerUserId;
    else newLinks.push(keys.cuid);
  }
  const cuid =
    ids.customerUserId === undefined || customerUserIdElsewhere !== undefined
      ? undefined
      : ids.customerUserId;

  if (!stored) {
    const device: Device = {
      deviceId: deviceIdFor(keys.adid ?? keys.idfv ?? keys.cuid ?? fallbackKey),
      tenantId,
      appId,
      advertisingIds: ids.advertisingId === undefined ? NO_IDS : [ids.advertisingId],
      vendorIds: ids.vendorId === undefined ? NO_IDS : [ids.vendorId],
      customerUserIds: cuid === undefined ? NO_IDS : [cuid],
      firstSeenMs: eventTimeMs,
      lastEventMs: eventTimeMs,
      installCount: 0,
      version: 0,
    };
    return customerUserIdElsewhere === undefined
      ? { device, newLinks, merged }
      : { device, newLinks, merged, customerUserIdElsewhere };
  }
  const device = mergedDevice(stored, merged, ids, cuid, newLinks);
  const links = dedupe(newLinks);
  // `foundBy` is always set when a stored device was found.
  return customerUserIdElsewhere === undefined
    ? { device, stored, newLinks: links, merged, foundBy }
    : { device, stored, newLinks: links, merged, foundBy, customerUserIdElsewhere };
}

/** `values` with `value` added at the end when it is not already there (the same array otherwise). */
function withValue(values: readonly string[], value: string | undefined): readonly string[] {
  if (value === undefined || values.includes(value)) return values;
  const out = values.slice();
  out.push(value);
  return out;
}

function dedupe(values: string[]): string[] {
  return values.length < 2 ? values : [...new Set(values)];
}
