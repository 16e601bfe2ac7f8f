import type { IdentityView } from './identity.js';
import {
  FOUND_BY_DEVICE_ID,
  FOUND_BY_REFERRER,
  FOUND_BY_SIGNATURE,
  type FoundTouchpoint,
} from './matching.js';
import type { PreparedEvent } from './prepare.js';
import type { Touchpoint } from './records.js';
import type { Device, StoreSnapshot } from './store.js';

/** The batch's working view: the snapshot plus every decision made so far in the batch. */
export class Overlay implements IdentityView {
  readonly links = new Map<string, string>();
  readonly devices = new Map<string, Device>();
  /** Touchpoint lists changed in this batch (owned, mutable); others are read from the snapshot. */
  private readonly ownTouchpoints = new Map<string, Touchpoint[]>();
  readonly seenEvents = new Set<string>();
  /** Install counts per IP-hour key counted in this batch; others are read from the snapshot. */
  readonly ipCounts = new Map<string, number>();

  /**
   * @param wantedTouchpointKeys the only keys the batch reads touchpoints under (its installs' keys);
   *   a touchpoint added under any other key is written by its unit but not kept in the view.
   */
  constructor(
    readonly snapshot: StoreSnapshot,
    private readonly wantedTouchpointKeys: ReadonlySet<string>,
  ) {
    snapshot.devices.forEach((device, key) => {
      this.links.set(key, device.deviceId);
      const known = this.devices.get(device.deviceId);
      if (!known || known.version < device.version) this.devices.set(device.deviceId, device);
    });
  }

  deviceByKey(key: string): Device | undefined {
    const id = this.links.get(key);
    return id === undefined ? undefined : this.devices.get(id);
  }

  touchpointsAt(key: string): readonly Touchpoint[] | undefined {
    return this.ownTouchpoints.get(key) ?? this.snapshot.touchpoints.get(key);
  }

  isDuplicate(key: string): boolean {
    return this.snapshot.processedEvents.has(key) || this.seenEvents.has(key);
  }

  addTouchpoint(key: string, tp: Touchpoint): void {
    if (!this.wantedTouchpointKeys.has(key)) return;
    const own = this.ownTouchpoints.get(key);
    if (own) {
      for (let i = 0; i < own.length; i++) if ((own[i] as Touchpoint).id === tp.id) return;
      own.push(tp);
      return;
    }
    const loaded = this.snapshot.touchpoints.get(key);
    if (!loaded) {
      this.ownTouchpoints.set(key, [tp]);
      return;
    }
    for (let i = 0; i < loaded.length; i++) if ((loaded[i] as Touchpoint).id === tp.id) return;
    const copy = loaded.slice();
    copy.push(tp);
    this.ownTouchpoints.set(key, copy);
  }

  /** Counts an install against its IP and hour; returns the count, this install included (0 without an IP). */
  countIpInstall(p: PreparedEvent): number {
    if (p.ipHourKey === undefined) return 0;
    const n = (this.ipCounts.get(p.ipHourKey) ?? this.snapshot.ipInstallCounts.get(p.ipHourKey) ?? 0) + 1;
    this.ipCounts.set(p.ipHourKey, n);
    return n;
  }
}

interface FoundEntry {
  touchpoint: Touchpoint;
  foundBy: number;
}

function gatherKey(found: FoundEntry[], list: readonly Touchpoint[] | undefined, flag: number): void {
  if (list === undefined) return;
  for (let i = 0; i < list.length; i++) {
    const touchpoint = list[i] as Touchpoint;
    let entry: FoundEntry | undefined;
    for (let j = 0; j < found.length; j++) {
      const f = found[j] as FoundEntry;
      if (f.touchpoint.id === touchpoint.id) {
        entry = f;
        break;
      }
    }
    if (entry) entry.foundBy |= flag;
    else found.push({ touchpoint, foundBy: flag });
  }
}

/** Every touchpoint found through the install's keys, each once (first found first), with how. */
export function gather(p: PreparedEvent, ov: Overlay): FoundTouchpoint[] {
  const found: FoundEntry[] = [];
  if (p.referrerKey !== undefined) gatherKey(found, ov.touchpointsAt(p.referrerKey), FOUND_BY_REFERRER);
  if (p.keys.adid !== undefined) gatherKey(found, ov.touchpointsAt(p.keys.adid), FOUND_BY_DEVICE_ID);
  if (p.keys.idfv !== undefined) gatherKey(found, ov.touchpointsAt(p.keys.idfv), FOUND_BY_DEVICE_ID);
  for (let i = 0; i < p.signatureKeys.length; i++)
    gatherKey(found, ov.touchpointsAt(p.signatureKeys[i] as string), FOUND_BY_SIGNATURE);
  return found;
}
