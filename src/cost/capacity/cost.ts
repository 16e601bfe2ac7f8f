import { deploymentFor, resolveAssumptions } from '../deployment.js';
import { type CostEstimate, estimateCost, HOURS_PER_MONTH, type Usage } from '../model.js';
import { homeRegionForwarding, type RegionScale } from './scale.js';
import type { CapacityPlan } from './types.js';

/**
 * The usage of the whole platform per event: a record of a tenant homed in another region is put (and
 * read) a second time, on its home region's stream; the metered workload (one region) put each record once.
 */
function platformUsage(scale: RegionScale): Usage {
  const u = scale.measured.usage;
  const { streamShare } = homeRegionForwarding(scale);
  return {
    ...u,
    kinesis: {
      records: u.kinesis.records * streamShare,
      bytes: u.kinesis.bytes * streamShare,
      payloadUnits: u.kinesis.payloadUnits * streamShare,
      onDemandBytes: u.kinesis.onDemandBytes * streamShare,
    },
  };
}

/** What the planned rate costs a month, with on-demand and with provisioned Kinesis. */
export function priceCapacity(scale: RegionScale, shardsPerRegion: number): CapacityPlan['cost'] {
  const { eventsPerSec, regions, apps, lakeBufferSeconds } = scale.options;
  const monthlyEvents = eventsPerSec * 3600 * HOURS_PER_MONTH;
  const assumptions = resolveAssumptions({
    monthlyEvents,
    regions,
    apps,
    shardsPerRegion,
    lakeBufferSeconds,
  });
  const usage = platformUsage(scale);
  const price = (mode: 'onDemand' | 'provisioned') => {
    const e: CostEstimate = estimateCost(
      usage,
      deploymentFor(mode, scale.measured.attributionLakeBytesPerEvent, assumptions),
    );
    return { perMonth: e.totalPerMonth, per1k: e.totalPer1k };
  };
  return { monthlyEvents, onDemand: price('onDemand'), provisioned: price('provisioned') };
}
