import type { Attribution } from './attribution.js';
import type { Device } from './store.js';

/**
 * New versions of a device, built field by field instead of `{ ...device, ... }`: every event writes a
 * device, and a spread (copying whatever properties the object happens to have) cost a third of the
 * engine's own time. Properties come in one order and absent optional ones are left out, as before, so
 * devices keep a handful of shapes and serialise exactly as the spreads did.
 */

type Reengagement = NonNullable<Device['reengagement']>;

/** The device with every field given; `undefined` optional fields are left out. */
function build(
  d: Device,
  advertisingIds: readonly string[],
  vendorIds: readonly string[],
  customerUserIds: readonly string[],
  lastEventMs: number,
  installCount: number,
  version: number,
  firstAttribution: Attribution | undefined,
  currentAttribution: Attribution | undefined,
  reengagement: Reengagement | undefined,
): Device {
  const out: { -readonly [K in keyof Device]: Device[K] } = {
    deviceId: d.deviceId,
    tenantId: d.tenantId,
    appId: d.appId,
    advertisingIds,
    vendorIds,
    customerUserIds,
    firstSeenMs: d.firstSeenMs,
    lastEventMs,
    installCount,
    version,
  };
  if (firstAttribution !== undefined) out.firstAttribution = firstAttribution;
  if (currentAttribution !== undefined) out.currentAttribution = currentAttribution;
  if (reengagement !== undefined) out.reengagement = reengagement;
  return out;
}

/** The device with other identifier lists; the same object when none changed. */
export function withIdentifiers(
  d: Device,
  advertisingIds: readonly string[],
  vendorIds: readonly string[],
  customerUserIds: readonly string[],
): Device {
  if (
    advertisingIds === d.advertisingIds &&
    vendorIds === d.vendorIds &&
    customerUserIds === d.customerUserIds
  )
    return d;
  return build(
    d,
    advertisingIds,
    vendorIds,
    customerUserIds,
    d.lastEventMs,
    d.installCount,
    d.version,
    d.firstAttribution,
    d.currentAttribution,
    d.reengagement,
  );
}

/** The device after one more install decision: `current` is its latest, `first` its first source. */
export function withInstall(d: Device, first: Attribution | undefined, current: Attribution): Device {
  return build(
    d,
    d.advertisingIds,
    d.vendorIds,
    d.customerUserIds,
    d.lastEventMs,
    d.installCount + 1,
    d.version,
    first,
    current,
    d.reengagement,
  );
}

/** The device as an event at `lastEventMs` leaves it, written as `version`. */
export function withActivity(d: Device, lastEventMs: number, version: number): Device {
  return build(
    d,
    d.advertisingIds,
    d.vendorIds,
    d.customerUserIds,
    lastEventMs,
    d.installCount,
    version,
    d.firstAttribution,
    d.currentAttribution,
    d.reengagement,
  );
}

/** The device with a re-engagement opened or updated, optionally as another version. */
export function withReengagement(d: Device, reengagement: Reengagement, version = d.version): Device {
  return build(
    d,
    d.advertisingIds,
    d.vendorIds,
    d.customerUserIds,
    d.lastEventMs,
    d.installCount,
    version,
    d.firstAttribution,
    d.currentAttribution,
    reengagement,
  );
}
