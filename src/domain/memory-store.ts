import type { Attribution, EventAttribution } from './attribution.js';
import type { Touchpoint } from './records.js';
import type {
  AttributionStore,
  CommitResult,
  CounterIncrement,
  Device,
  StoreLoadRequest,
  StoreSnapshot,
  UnitOfWork,
} from './store.js';

export interface InMemoryStoreOptions {
  /**
   * Makes a unit fail as if it lost a race, to test retries.
   * @default never
   */
  readonly failUnit?: (unit: UnitOfWork) => boolean;
  /**
   * Keep every committed attribution and event attribution in `attributions` and `eventAttributions`.
   * Off, those lists stay empty and the store holds only what the engine reads back (devices,
   * touchpoints, links, processed event keys, counters), as a database-backed store does: long runs
   * such as the benchmark then do not grow the heap with history nobody reads.
   * @default true
   */
  readonly retainHistory?: boolean;
}

/**
 * The storage port in memory, for tests, benchmarks and replay. It honours the unit conditions as the
 * DynamoDB adapter does: a unit whose event key was already processed, or whose device versions are not
 * the stored version + 1, is not applied and its record index is reported failed.
 */
/** One device's current version; every identifier key linked to the device shares its slot. */
interface CounterEntry {
  readonly increment: CounterIncrement;
  value: number;
}

/**
 * Counter index: tenant → app → day → network → campaign → metric → currency → entry. Each level
 * looks up a string the engine already holds (no key to build and hash per increment).
 */
type CounterTree = Map<string | undefined, CounterTree | CounterEntry>;

function child(level: CounterTree, part: string): CounterTree {
  let next = level.get(part) as CounterTree | undefined;
  if (next === undefined) {
    next = new Map();
    level.set(part, next);
  }
  return next;
}

interface DeviceSlot {
  device: Device | undefined;
}

export class InMemoryAttributionStore implements AttributionStore {
  /** Identifier key → the slot of the device it links to: one look-up from identifier to device. */
  private readonly links = new Map<string, DeviceSlot>();
  private readonly devicesById = new Map<string, DeviceSlot>();
  private readonly touchpointsByKey = new Map<string, Touchpoint[]>();
  private readonly processed = new Set<string>();
  private readonly ipCounts = new Map<string, number>();
  /** Counter totals in first-increment order, indexed by a tree keyed by each field in turn. */
  private readonly counterValues: CounterEntry[] = [];
  private readonly counterIndex: CounterTree = new Map();
  /** Every attribution committed, in commit order. */
  readonly attributions: Attribution[] = [];
  /** Every event attribution committed, in commit order. */
  readonly eventAttributions: EventAttribution[] = [];
  loadCalls = 0;
  commitCalls = 0;

  private readonly retainHistory: boolean;

  constructor(private readonly options: InMemoryStoreOptions = {}) {
    this.retainHistory = options.retainHistory ?? true;
  }

  async load(request: StoreLoadRequest): Promise<StoreSnapshot> {
    return this.loadSync(request);
  }

  /** `load` without the promise, for benchmarks of the synchronous path. */
  loadSync(request: StoreLoadRequest): StoreSnapshot {
    this.loadCalls++;
    // Indexed loops, not for-of: this runs for every key of every batch.
    const devices = new Map<string, Device>();
    const deviceKeys = request.deviceKeys;
    for (let i = 0; i < deviceKeys.length; i++) {
      const key = deviceKeys[i] as string;
      const device = this.links.get(key)?.device;
      if (device) devices.set(key, device);
    }
    const touchpoints = new Map<string, readonly Touchpoint[]>();
    const touchpointKeys = request.touchpointKeys;
    for (let i = 0; i < touchpointKeys.length; i++) {
      const key = touchpointKeys[i] as string;
      const list = this.touchpointsByKey.get(key);
      // The engine never mutates a loaded list (it copies on write), so no defensive copy is needed.
      if (list) touchpoints.set(key, list);
    }
    const processedEvents = new Set<string>();
    const eventKeys = request.eventKeys;
    for (let i = 0; i < eventKeys.length; i++) {
      const key = eventKeys[i] as string;
      if (this.processed.has(key)) processedEvents.add(key);
    }
    const ipInstallCounts = new Map<string, number>();
    const ipHourKeys = request.ipHourKeys;
    for (let i = 0; i < ipHourKeys.length; i++) {
      const key = ipHourKeys[i] as string;
      const n = this.ipCounts.get(key);
      if (n !== undefined) ipInstallCounts.set(key, n);
    }
    return { devices, touchpoints, processedEvents, ipInstallCounts };
  }

  async commit(units: readonly UnitOfWork[]): Promise<CommitResult> {
    return this.commitSync(units);
  }

  commitSync(units: readonly UnitOfWork[]): CommitResult {
    this.commitCalls++;
    const failedRecordIndexes: number[] = [];
    for (let i = 0; i < units.length; i++) {
      const unit = units[i] as UnitOfWork;
      if (!this.applicable(unit)) failedRecordIndexes.push(unit.recordIndex);
      else this.apply(unit);
    }
    return { failedRecordIndexes };
  }

  private applicable(unit: UnitOfWork): boolean {
    if (this.options.failUnit?.(unit)) return false;
    if (unit.eventKey !== undefined && this.processed.has(unit.eventKey)) return false;
    const devices = unit.devices;
    for (let i = 0; i < devices.length; i++) {
      const d = devices[i] as Device;
      const stored = this.devicesById.get(d.deviceId)?.device?.version ?? -1;
      if (stored !== d.version - 1) return false;
    }
    return true;
  }

  private apply(unit: UnitOfWork): void {
    if (unit.eventKey !== undefined) this.processed.add(unit.eventKey);
    const devices = unit.devices;
    for (let i = 0; i < devices.length; i++) {
      const d = devices[i] as Device;
      this.slot(d.deviceId).device = d;
    }
    const links = unit.identifierLinks;
    for (let i = 0; i < links.length; i++) {
      const l = links[i] as UnitOfWork['identifierLinks'][number];
      this.links.set(l.key, this.slot(l.deviceId));
    }
    const touchpoints = unit.touchpoints;
    for (let i = 0; i < touchpoints.length; i++) {
      const { touchpoint, keys } = touchpoints[i] as UnitOfWork['touchpoints'][number];
      for (let k = 0; k < keys.length; k++) this.addTouchpoint(keys[k] as string, touchpoint);
    }
    if (this.retainHistory) {
      for (let i = 0; i < unit.attributions.length; i++) this.attributions.push(unit.attributions[i] as Attribution);
      for (let i = 0; i < unit.eventAttributions.length; i++)
        this.eventAttributions.push(unit.eventAttributions[i] as EventAttribution);
    }
    const counters = unit.counters;
    for (let i = 0; i < counters.length; i++) {
      const c = counters[i] as CounterIncrement;
      const known = this.counterEntry(c);
      if (known) known.value += c.value;
    }
    const increments = unit.ipHourIncrements;
    for (let i = 0; i < increments.length; i++) {
      const inc = increments[i] as UnitOfWork['ipHourIncrements'][number];
      this.ipCounts.set(inc.key, (this.ipCounts.get(inc.key) ?? 0) + inc.delta);
    }
  }

  private addTouchpoint(key: string, touchpoint: Touchpoint): void {
    const list = this.touchpointsByKey.get(key);
    if (!list) {
      this.touchpointsByKey.set(key, [touchpoint]);
      return;
    }
    for (let i = 0; i < list.length; i++) if ((list[i] as Touchpoint).id === touchpoint.id) return;
    list.push(touchpoint);
  }

  /** The increment's entry; a new one (holding the increment's own value) returns undefined. */
  private counterEntry(c: CounterIncrement): CounterEntry | undefined {
    const level = child(
      child(child(child(child(child(this.counterIndex, c.tenantId), c.appId), c.day), c.network), c.campaign),
      c.metric,
    );
    const known = level.get(c.currency) as CounterEntry | undefined;
    if (known) return known;
    const entry: CounterEntry = { increment: c, value: c.value };
    level.set(c.currency, entry);
    this.counterValues.push(entry);
    return undefined;
  }

  private slot(deviceId: string): DeviceSlot {
    let slot = this.devicesById.get(deviceId);
    if (!slot) {
      slot = { device: undefined };
      this.devicesById.set(deviceId, slot);
    }
    return slot;
  }

  /** The device an identifier key (`identifierKey`) links to. */
  deviceByIdentifier(key: string): Device | undefined {
    return this.links.get(key)?.device;
  }

  deviceById(deviceId: string): Device | undefined {
    return this.devicesById.get(deviceId)?.device;
  }

  get deviceCount(): number {
    let n = 0;
    for (const slot of this.devicesById.values()) if (slot.device) n++;
    return n;
  }

  /** Counter totals, optionally filtered; one entry per tenant, app, day, network, campaign, metric, currency. */
  counters(
    filter: Partial<Pick<CounterIncrement, 'metric' | 'network' | 'day' | 'campaign'>> = {},
  ): CounterIncrement[] {
    return this.counterValues
      .map((c) => ({ ...c.increment, value: c.value }))
      .filter(
        (c) =>
          (filter.metric === undefined || c.metric === filter.metric) &&
          (filter.network === undefined || c.network === filter.network) &&
          (filter.day === undefined || c.day === filter.day) &&
          (filter.campaign === undefined || c.campaign === filter.campaign),
      );
  }

  /** Sum of a metric's counters, optionally for one network. */
  total(metric: CounterIncrement['metric'], network?: string): number {
    let sum = 0;
    for (const c of this.counters(network === undefined ? { metric } : { metric, network })) sum += c.value;
    return sum;
  }

  /** Touchpoints stored under a match key. */
  touchpointsFor(key: string): readonly Touchpoint[] {
    return this.touchpointsByKey.get(key) ?? [];
  }
}
