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
  private lastSlotId: string | undefined;
  private lastSlot: DeviceSlot | undefined;
  /** Touchpoints by match key: most keys hold one, kept without a list of its own. */
  private readonly touchpointsByKey = new Map<string, Touchpoint | Touchpoint[]>();
  private readonly processed = new Set<string>();
  /** Installs per IP-hour key, in a box so an increment looks its key up once. */
  private readonly ipCounts = new Map<string, { n: number }>();
  /** Counter totals in first-increment order, indexed by a tree keyed by each field in turn. */
  private readonly counterValues: CounterEntry[] = [];
  private readonly counterIndex: CounterTree = new Map();
  private lastCounterLevel:
    | {
        readonly tenantId: string;
        readonly appId: string;
        readonly day: string;
        readonly network: string;
        readonly campaign: string;
        readonly level: CounterTree;
      }
    | undefined;
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
      const held = this.touchpointsByKey.get(key);
      // The engine never mutates a loaded list (it copies on write), so no defensive copy is needed.
      if (held !== undefined) touchpoints.set(key, Array.isArray(held) ? held : [held]);
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
      const count = this.ipCounts.get(key);
      if (count !== undefined) ipInstallCounts.set(key, count.n);
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
      if (!this.applyIfApplicable(unit)) failedRecordIndexes.push(unit.recordIndex);
    }
    return { failedRecordIndexes };
  }

  /**
   * Applies a unit when its conditions hold: its event key not processed, each device's stored version
   * `version - 1`. Each key is looked up once (the event key is added and taken back if a device
   * condition fails; each device's slot is found once): the maps are large and every look-up misses the
   * CPU caches.
   */
  private applyIfApplicable(unit: UnitOfWork): boolean {
    if (this.options.failUnit?.(unit)) return false;
    const eventKey = unit.eventKey;
    if (eventKey !== undefined) {
      const before = this.processed.size;
      this.processed.add(eventKey);
      if (this.processed.size === before) return false;
    }
    const devices = unit.devices;
    // Units write at most a few devices; the common one writes one (an event) or none (a touchpoint).
    const slots = devices.length > 1 ? new Array<DeviceSlot>(devices.length) : undefined;
    let only: DeviceSlot | undefined;
    for (let i = 0; i < devices.length; i++) {
      const d = devices[i] as Device;
      const slot = this.slot(d.deviceId);
      if ((slot.device?.version ?? -1) !== d.version - 1) {
        if (eventKey !== undefined) this.processed.delete(eventKey);
        return false;
      }
      if (slots) slots[i] = slot;
      else only = slot;
    }
    for (let i = 0; i < devices.length; i++) {
      const slot = (slots ? slots[i] : only) as DeviceSlot;
      slot.device = devices[i] as Device;
    }
    const links = unit.identifierLinks;
    for (let i = 0; i < links.length; i++) {
      const l = links[i] as UnitOfWork['identifierLinks'][number];
      const slot = only !== undefined && only.device?.deviceId === l.deviceId ? only : this.slot(l.deviceId);
      this.links.set(l.key, slot);
    }
    const touchpoints = unit.touchpoints;
    for (let i = 0; i < touchpoints.length; i++) {
      const { touchpoint, keys } = touchpoints[i] as UnitOfWork['touchpoints'][number];
      for (let k = 0; k < keys.length; k++) this.addTouchpoint(keys[k] as string, touchpoint);
    }
    if (this.retainHistory) {
      for (let i = 0; i < unit.attributions.length; i++)
        this.attributions.push(unit.attributions[i] as Attribution);
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
      const count = this.ipCounts.get(inc.key);
      if (count) count.n += inc.delta;
      else this.ipCounts.set(inc.key, { n: inc.delta });
    }
    return true;
  }

  private addTouchpoint(key: string, touchpoint: Touchpoint): void {
    const held = this.touchpointsByKey.get(key);
    if (held === undefined) this.touchpointsByKey.set(key, touchpoint);
    else if (!Array.isArray(held)) {
      if (held.id !== touchpoint.id) this.touchpointsByKey.set(key, [held, touchpoint]);
    } else {
      for (let i = 0; i < held.length; i++) if ((held[i] as Touchpoint).id === touchpoint.id) return;
      held.push(touchpoint);
    }
  }

  /** The increment's entry; a new one (holding the increment's own value) returns undefined. */
  private counterEntry(c: CounterIncrement): CounterEntry | undefined {
    // An event's increments, and the next event's of the same device, mostly share everything but the
    // metric: the campaign level of the last increment is kept to skip five look-ups.
    const last = this.lastCounterLevel;
    let level: CounterTree;
    if (
      last !== undefined &&
      last.campaign === c.campaign &&
      last.network === c.network &&
      last.day === c.day &&
      last.appId === c.appId &&
      last.tenantId === c.tenantId
    )
      level = last.level;
    else {
      level = child(
        child(child(child(child(this.counterIndex, c.tenantId), c.appId), c.day), c.network),
        c.campaign,
      );
      this.lastCounterLevel = {
        tenantId: c.tenantId,
        appId: c.appId,
        day: c.day,
        network: c.network,
        campaign: c.campaign,
        level,
      };
    }
    level = child(level, c.metric);
    const known = level.get(c.currency) as CounterEntry | undefined;
    if (known) return known;
    const entry: CounterEntry = { increment: c, value: c.value };
    level.set(c.currency, entry);
    this.counterValues.push(entry);
    return undefined;
  }

  private slot(deviceId: string): DeviceSlot {
    // A device's events come together (one install, then its first events): its slot is often the last one.
    if (deviceId === this.lastSlotId && this.lastSlot !== undefined) return this.lastSlot;
    let slot = this.devicesById.get(deviceId);
    if (!slot) {
      slot = { device: undefined };
      this.devicesById.set(deviceId, slot);
    }
    this.lastSlotId = deviceId;
    this.lastSlot = slot;
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
    const held = this.touchpointsByKey.get(key);
    return held === undefined ? [] : Array.isArray(held) ? held : [held];
  }
}
