import type { CounterRow } from '../../../app/records.js';
import type { Attribution } from '../../../domain/attribution.js';
import type { CounterMetric, Device, StoredEventOutcome, UnitOfWork } from '../../../domain/store.js';
import { CODEC_VERSION, decodeDocument, encodeDocument } from '../codec.js';
import { devicePk, type Item, METRIC_PREFIX } from './layout.js';

/** How devices, event outcomes and counter rows are encoded in the graph's items. */

/**
 * The device item: the device as a compressed document, its first attribution left out when it is
 * the current one (an install's decision is both until a reinstall or reattribution replaces it).
 */
export function deviceItem(device: Device): Item {
  const { firstAttribution, ...rest } = device;
  const sameAsCurrent =
    firstAttribution !== undefined &&
    (firstAttribution === device.currentAttribution ||
      (firstAttribution.eventId === device.currentAttribution?.eventId &&
        JSON.stringify(firstAttribution) === JSON.stringify(device.currentAttribution)));
  const document: StoredDevice = sameAsCurrent
    ? { d: rest, f: 1 }
    : firstAttribution
      ? { d: rest, first: firstAttribution }
      : { d: rest };
  return {
    pk: devicePk(device),
    sk: 'D',
    version: device.version,
    zv: CODEC_VERSION,
    z: encodeDocument(document),
  };
}
export interface StoredDevice {
  readonly d: Omit<Device, 'firstAttribution'>;
  /** 1: the first attribution is the current one. */
  readonly f?: 1;
  readonly first?: Attribution;
}
/** The event marker's record of its unit: source and decision, compressed (`z`). */
export function eventOutcomeAttributes(unit: UnitOfWork, sourceId: string): Item {
  const outcome: StoredEventOutcome = {
    sourceId,
    ...(unit.attributions[0] ? { attribution: unit.attributions[0] } : {}),
    ...(unit.eventAttributions[0] ? { eventAttribution: unit.eventAttributions[0] } : {}),
  };
  return { zv: CODEC_VERSION, z: encodeDocument(outcome) };
}
export function decodeEventOutcome(item: Item): StoredEventOutcome {
  return decodeDocument<StoredEventOutcome>(item.z as Uint8Array, Number(item.zv));
}
export function decodeDevice(item: Item): Device {
  // Items written before the compact format hold the device as JSON in `data`.
  if (item.z === undefined) return JSON.parse(String(item.data)) as Device;
  const { d, f, first } = decodeDocument<StoredDevice>(item.z as Uint8Array, Number(item.zv));
  const firstAttribution = f === 1 ? d.currentAttribution : first;
  return firstAttribution ? { ...d, firstAttribution } : d;
}
/** The rows of one counter item (one per metric attribute; older items hold one metric each). */
export function counterRows(item: Item): CounterRow[] {
  const base = { day: String(item.day), network: String(item.network), campaign: String(item.campaign) };
  if (item.metric !== undefined) {
    const currency = String(item.currency ?? '-');
    return [
      {
        ...base,
        metric: item.metric as CounterMetric,
        ...(currency === '-' ? {} : { currency }),
        value: Number(item.value ?? 0),
      },
    ];
  }
  const rows: CounterRow[] = [];
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith(METRIC_PREFIX)) continue;
    const [metric, currency] = name.slice(METRIC_PREFIX.length).split('#');
    rows.push({
      ...base,
      metric: metric as CounterMetric,
      ...(currency === undefined ? {} : { currency }),
      value: Number(value ?? 0),
    });
  }
  return rows;
}
