import { DEFAULT_COUNTER_SHARDS } from '../../adapters/dynamodb/identity-graph/layout.js';
import { DEFAULT_QUOTAS, type Quotas } from '../quotas.js';
import type { CapacityOptions, ResolvedCapacityOptions } from './types.js';

const positive = (name: string, value: number) => {
  if (!(Number.isFinite(value) && value > 0))
    throw new RangeError(`${name} must be a positive number. Received ${value}`);
};
const share = (name: string, value: number) => {
  if (!(value > 0 && value <= 1)) throw new RangeError(`${name} must be in (0, 1]. Received ${value}`);
};
const wholeAtLeastOne = (name: string, value: number) => {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a whole number of at least 1. Received ${value}`);
};

/**
 * Validates the traffic to plan for and applies every default, once.
 * @param measuredEvents the metered workload's events (`usage.events`), validated first
 */
export function resolveCapacityOptions(
  measuredEvents: number,
  options: CapacityOptions,
): ResolvedCapacityOptions {
  positive('usage.events', measuredEvents);
  positive('eventsPerSec', options.eventsPerSec);
  const regions = options.regions ?? 2;
  const apps = options.apps ?? 100;
  wholeAtLeastOne('regions', regions);
  wholeAtLeastOne('apps', apps);
  const largestAppShare = options.largestAppShare ?? Math.max(0.1, 1 / apps);
  share('largestAppShare', largestAppShare);
  if (largestAppShare < 1 / apps)
    throw new RangeError(
      `largestAppShare must be at least 1 / apps (${1 / apps}) when ${apps} apps share the events. Received ${largestAppShare}`,
    );
  const hotIpShare = options.hotIpShare ?? 0.001;
  share('hotIpShare', hotIpShare);
  const counterShards = options.counterShards ?? DEFAULT_COUNTER_SHARDS;
  positive('counterShards', counterShards);
  const deviceEventsPerSec = options.deviceEventsPerSec ?? 5;
  positive('deviceEventsPerSec', deviceEventsPerSec);
  const batchSize = options.batchSize ?? 100;
  positive('batchSize', batchSize);
  if (options.networks !== undefined) positive('networks', options.networks);
  const quotas: Quotas = { ...DEFAULT_QUOTAS, ...options.quotas };
  return {
    eventsPerSec: options.eventsPerSec,
    regions,
    apps,
    largestAppShare,
    networks: options.networks,
    hotIpShare,
    counterShards,
    deviceEventsPerSec,
    streamMode: options.streamMode ?? 'onDemand',
    parallelizationFactor: options.parallelizationFactor ?? 2,
    batchSize,
    lakeBufferSeconds: options.lakeBufferSeconds ?? 300,
    lakeBufferMiB: options.lakeBufferMiB ?? 128,
    quotas,
  };
}
