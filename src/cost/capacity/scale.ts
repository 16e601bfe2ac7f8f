import type { MeasuredWorkload, ResolvedCapacityOptions } from './types.js';

export const MiB = 1024 * 1024;

export const sum = (values: Iterable<number>) => {
  let n = 0;
  for (const v of values) n += v;
  return n;
};

/** The metered workload scaled to one region's share of the planned rate: what every sizing step reads. */
export interface RegionScale {
  readonly measured: MeasuredWorkload;
  readonly options: ResolvedCapacityOptions;
  /** Events each region ingests per second (`eventsPerSec / regions`). */
  readonly eventsPerSec: number;
  /** A measured count, per event. */
  perEvent(n: number): number;
  /** A measured count at the region's rate, per second. */
  perSec(n: number): number;
}

export function regionScale(measured: MeasuredWorkload, options: ResolvedCapacityOptions): RegionScale {
  const E = options.eventsPerSec / options.regions;
  const perEvent = (n: number) => n / measured.usage.events;
  return { measured, options, eventsPerSec: E, perEvent, perSec: (n) => E * perEvent(n) };
}

/**
 * Home-region write model: a region forwards the records of tenants homed elsewhere ((R - 1) / R of its
 * ingest, tenants spread evenly) to their home region's stream, and receives as many in return.
 */
export function homeRegionForwarding(scale: RegionScale): {
  /** Events per second forwarded into the region's stream by the others. */
  readonly forwardedInEventsPerSec: number;
  /** The region's stream records over its own ingest's. */
  readonly streamShare: number;
} {
  const E = scale.eventsPerSec;
  const { regions } = scale.options;
  const forwardedIn = (E * (regions - 1)) / regions;
  return { forwardedInEventsPerSec: forwardedIn, streamShare: (E + forwardedIn) / E };
}
