import { limitChecks } from './capacity/checks.js';
import { priceCapacity } from './capacity/cost.js';
import { counterLeases } from './capacity/counter-leases.js';
import { hottestItems as planHottestItems } from './capacity/hot-items.js';
import { resolveCapacityOptions } from './capacity/options.js';
import { sizeRegion } from './capacity/region.js';
import { regionScale } from './capacity/scale.js';
import type { CapacityOptions, CapacityPlan, MeasuredWorkload } from './capacity/types.js';

export type {
  CapacityOptions,
  CapacityPlan,
  HotItem,
  KeyClassWrites,
  LimitCheck,
  MeasuredWorkload,
  RegionCapacity,
} from './capacity/types.js';
export { ADJUSTABLE_QUOTAS, DEFAULT_QUOTAS, type Quotas } from './quotas.js';

/**
 * The capacity model: what a sustained event rate needs in each region, and which service quota or
 * per-item limit it would pass. Pure arithmetic on the request counts `UsageMeter` measured on the cost
 * workload (the same counts the cost model prices), scaled from per-event rates to events per second.
 *
 * Per region: each region ingests `1 / regions` of the events (latency routing), forwards the records of
 * tenants homed elsewhere to their home region's stream and takes as many from the others (tenants' home
 * regions spread evenly, so each region writes the identity graph for `1 / regions` of the events), and
 * receives every other region's writes to the global table as replicated writes. Per item: a global table applies every
 * write to an item in every region, so an item's write rate is its rate across all regions.
 * Method and the quota increases for 1.4 M events/s: docs/capacity.md.
 */

/**
 * Plans the capacity of a sustained event rate from a metered workload.
 * @example
 * const plan = planCapacity(measured, { eventsPerSec: 1_400_000, regions: 2 });
 * plan.perRegion.kinesis.shards; // shards each region's stream needs
 * plan.exceeded; // the quotas and limits the rate would pass
 */
export function planCapacity(measured: MeasuredWorkload, options: CapacityOptions): CapacityPlan {
  const resolved = resolveCapacityOptions(measured.usage.events, options);
  const scale = regionScale(measured, resolved);
  const leases = counterLeases(scale);
  const perRegion = sizeRegion(scale, leases);
  const hottestItems = planHottestItems(scale, leases);
  const checks = limitChecks(perRegion, hottestItems, resolved);
  return {
    eventsPerSec: resolved.eventsPerSec,
    regions: resolved.regions,
    perRegion,
    hottestItems,
    checks,
    exceeded: checks.filter((c) => c.exceeded),
    cost: priceCapacity(scale, perRegion.kinesis.shards),
    assumptions: resolved,
  };
}
