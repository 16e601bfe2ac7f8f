import { USAGE_COUNTER_LEASES } from '../../app/ports/usage-counters.js';
import type { KeyClass } from '../meter.js';
import type { LeaseLoad } from '../usage-counter-load.js';
import { type CounterLeases, unitsPerWrite } from './counter-leases.js';
import type { RegionScale } from './scale.js';
import type { HotItem } from './types.js';

/**
 * The hottest item of each key class, across all regions: a global table applies every write to an item
 * in every region, so an item's write rate is its rate across all regions.
 */

function pct(n: number): string {
  return `${Number((n * 100).toPrecision(3))} %`;
}

/** A hot item whose rate comes from its key class's metered writes; none when the class was not written. */
function fromKeyClass(
  scale: RegionScale,
  keyClass: KeyClass,
  writesPerSec: number,
  basis: string,
): HotItem[] {
  const c = scale.measured.keyClasses[keyClass];
  if (!c || c.writes <= 0) return [];
  return [{ keyClass, writesPerSec, writeUnitsPerSec: writesPerSec * (c.writeUnits / c.writes), basis }];
}

/** A usage counter's hottest item: each region writes only its own items, so one region's leases. */
function fromLeases(scale: RegionScale, keyClass: KeyClass, load: LeaseLoad, basis: string): HotItem[] {
  const c = scale.measured.keyClasses[keyClass];
  if (!c || c.writes <= 0) return [];
  const writesPerSec = load.hottestItemWritesPerSec;
  return [{ keyClass, writesPerSec, writeUnitsPerSec: writesPerSec * unitsPerWrite(c), basis }];
}

/** The identity graph's hot items of the largest app: its busiest counter row and its busiest IP. */
function largestAppItems(scale: RegionScale): HotItem[] {
  const { measured, perEvent } = scale;
  const { eventsPerSec: total, largestAppShare, networks, hotIpShare, counterShards } = scale.options;
  const appPerSec = total * largestAppShare;
  const classPerEvent = (k: KeyClass) => perEvent(measured.keyClasses[k]?.writes ?? 0);
  const counter = measured.keyClasses['counter row'];
  const rowShare =
    networks !== undefined
      ? 1 / networks
      : counter && counter.writes > 0
        ? counter.hottestItemWrites / counter.writes
        : 1;
  return [
    // The meter counts a row's writes over all its shards (one write per row per transaction); each
    // transaction of a commit takes the next shard, so a row's writes spread evenly over its shards.
    ...fromKeyClass(
      scale,
      'counter row',
      (appPerSec * classPerEvent('counter row') * rowShare) / counterShards,
      `largest app (${pct(largestAppShare)} of events) × its busiest row (${pct(rowShare)} of its counter writes) / ${counterShards} shards`,
    ),
    ...fromKeyClass(
      scale,
      'IP-hour',
      appPerSec * classPerEvent('IP-hour') * hotIpShare,
      `largest app × its busiest IP (${pct(hotIpShare)} of its installs)`,
    ),
    // One partition per app and IP holds every signature of that IP.
    ...fromKeyClass(
      scale,
      'signature partition',
      appPerSec * classPerEvent('signature partition') * hotIpShare,
      `largest app × its busiest IP (${pct(hotIpShare)} of its touchpoints, every signature)`,
    ),
  ];
}

/** The largest app's usage counters in one region. */
function usageCounterItems(scale: RegionScale, leases: CounterLeases): HotItem[] {
  const { largestApp, ingestInstances } = leases;
  const instancesText = Number.isFinite(ingestInstances)
    ? `${Math.round(ingestInstances)} ingest instances`
    : 'one lease a check';
  return [
    ...fromLeases(
      scale,
      'rate-limit counter',
      largestApp.rate,
      `largest app's ingest requests in one region, leased by ${instancesText} over ${USAGE_COUNTER_LEASES.shards} shards (${Math.round(largestApp.rate.writesPerSec)} leases/s a window)`,
    ),
    ...fromLeases(
      scale,
      'quota counter',
      largestApp.quota,
      `largest app's event batches in one region, ${USAGE_COUNTER_LEASES.longLeaseSeconds} s leases by ${instancesText} over ${USAGE_COUNTER_LEASES.shards} shards (${Math.round(largestApp.quota.writesPerSec)} leases/s)`,
    ),
  ];
}

/** The busiest single device (a bot or a replaying SDK). */
function deviceItems(scale: RegionScale): HotItem[] {
  const { measured } = scale;
  const { deviceEventsPerSec } = scale.options;
  const device = measured.keyClasses.device;
  return fromKeyClass(
    scale,
    'device',
    device && measured.sdkEvents > 0 ? deviceEventsPerSec * (device.writes / measured.sdkEvents) : 0,
    `one device sending ${deviceEventsPerSec} events/s`,
  );
}

export function hottestItems(scale: RegionScale, leases: CounterLeases): HotItem[] {
  return [...largestAppItems(scale), ...usageCounterItems(scale, leases), ...deviceItems(scale)];
}
