import type { Touchpoint } from '../../src/domain/records.js';
import type {
  AttributionStore,
  CommitResult,
  CounterIncrement,
  Device,
  StoreLoadRequest,
  StoreSnapshot,
  UnitOfWork,
} from '../../src/domain/store.js';

/**
 * A DynamoDB global table in memory, as AWS documents its behaviour: each region has its own replica; a
 * write (conditions included) is checked and applied in the region that makes it only; the whole item
 * then reaches the other replicas after `delayMs`, where the write with the latest timestamp wins (last
 * writer wins). An `ADD` is therefore a read-modify-write of the local replica, and two regions adding to
 * one counter within the delay lose one of the additions; two regions may both pass a "not yet processed"
 * condition for one event and both count it.
 */
export class SimulatedGlobalTable {
  private readonly replicas = new Map<string, Map<string, Versioned>>();
  private readonly inFlight: { applyAtMs: number; region: string; key: string; item: Versioned }[] = [];
  private clockMs = 0;
  private sequence = 0;

  constructor(
    readonly regions: readonly string[],
    readonly delayMs: number,
  ) {
    for (const region of regions) this.replicas.set(region, new Map());
  }

  get nowMs(): number {
    return this.clockMs;
  }

  read<T>(region: string, key: string): T | undefined {
    return this.replica(region).get(key)?.value as T | undefined;
  }

  /** Every item of a region whose key starts with `prefix`. */
  scan<T>(region: string, prefix: string): [string, T][] {
    const out: [string, T][] = [];
    for (const [key, item] of this.replica(region))
      if (key.startsWith(prefix)) out.push([key, item.value as T]);
    return out;
  }

  write(region: string, key: string, value: unknown): void {
    const item: Versioned = { value, stamp: this.clockMs * 1e6 + this.sequence++, writer: region };
    this.replica(region).set(key, item);
    for (const other of this.regions) {
      if (other !== region)
        this.inFlight.push({ applyAtMs: this.clockMs + this.delayMs, region: other, key, item });
    }
  }

  /** Moves the clock on, applying the replications that are due (last writer wins). */
  advance(ms: number): void {
    this.clockMs += ms;
    const due = this.inFlight.filter((r) => r.applyAtMs <= this.clockMs);
    for (const r of due) this.inFlight.splice(this.inFlight.indexOf(r), 1);
    for (const r of due) {
      const replica = this.replica(r.region);
      const current = replica.get(r.key);
      if (!current || current.stamp < r.item.stamp) replica.set(r.key, r.item);
    }
  }

  /** Lets every write reach every replica. */
  settle(): void {
    while (this.inFlight.length > 0) this.advance(this.delayMs);
  }

  private replica(region: string): Map<string, Versioned> {
    const replica = this.replicas.get(region);
    if (!replica) throw new Error(`no replica in ${region}`);
    return replica;
  }
}

interface Versioned {
  readonly value: unknown;
  /** The write's timestamp (clock, then write order): the largest wins. */
  readonly stamp: number;
  readonly writer: string;
}

/** The counter item key of an increment (as the DynamoDB adapter's counter item). */
export const counterItemKey = (c: CounterIncrement) =>
  `C#${c.tenantId}#${c.appId}#${c.day}#${c.network}#${c.campaign}#${c.metric}#${c.currency ?? ''}`;

/**
 * The identity graph port over one region's replica of a `SimulatedGlobalTable`, with the items and
 * conditions of the DynamoDB adapter: device items with a version condition, identifier links, one item
 * per touchpoint and match key, processed-event markers (`attribute_not_exists`), and `ADD` counters.
 */
export class RegionGraphStore implements AttributionStore {
  constructor(
    private readonly table: SimulatedGlobalTable,
    readonly region: string,
  ) {}

  async load(request: StoreLoadRequest): Promise<StoreSnapshot> {
    const devices = new Map<string, Device>();
    for (const key of request.deviceKeys) {
      const deviceId = this.table.read<string>(this.region, `L#${key}`);
      const device =
        deviceId === undefined ? undefined : this.table.read<Device>(this.region, `D#${deviceId}`);
      if (device) devices.set(key, device);
    }
    const touchpoints = new Map<string, readonly Touchpoint[]>();
    for (const key of request.touchpointKeys) {
      const list = this.table.scan<Touchpoint>(this.region, `T#${key}#`).map(([, t]) => t);
      if (list.length > 0) touchpoints.set(key, list);
    }
    const processedEvents = new Set<string>();
    for (const key of request.eventKeys) {
      if (this.table.read(this.region, `E#${key}`) !== undefined) processedEvents.add(key);
    }
    const ipInstallCounts = new Map<string, number>();
    for (const key of request.ipHourKeys) {
      const n = this.table.read<number>(this.region, `IP#${key}`);
      if (n !== undefined) ipInstallCounts.set(key, n);
    }
    return { devices, touchpoints, processedEvents, ipInstallCounts };
  }

  async commit(units: readonly UnitOfWork[]): Promise<CommitResult> {
    const failedRecordIndexes: number[] = [];
    for (const unit of units) {
      // TransactWriteItems: every condition is checked against this region's replica only.
      const processed =
        unit.eventKey !== undefined && this.table.read(this.region, `E#${unit.eventKey}`) !== undefined;
      const stale = unit.devices.some(
        (d) => (this.table.read<Device>(this.region, `D#${d.deviceId}`)?.version ?? -1) !== d.version - 1,
      );
      if (processed || stale) {
        failedRecordIndexes.push(unit.recordIndex);
        continue;
      }
      if (unit.eventKey !== undefined)
        this.table.write(this.region, `E#${unit.eventKey}`, unit.sourceId ?? true);
      for (const d of unit.devices) this.table.write(this.region, `D#${d.deviceId}`, d);
      for (const l of unit.identifierLinks) this.table.write(this.region, `L#${l.key}`, l.deviceId);
      for (const { touchpoint, keys } of unit.touchpoints) {
        for (const key of keys) this.table.write(this.region, `T#${key}#${touchpoint.id}`, touchpoint);
      }
      for (const c of unit.counters) this.add(counterItemKey(c), c.value);
      for (const inc of unit.ipHourIncrements) this.add(`IP#${inc.key}`, inc.delta);
    }
    return { failedRecordIndexes };
  }

  /** `ADD`: read the local replica, write the sum; the whole item replicates. */
  private add(key: string, delta: number): void {
    this.table.write(this.region, key, (this.table.read<number>(this.region, key) ?? 0) + delta);
  }

  /** Counter totals as this region's replica holds them, by counter item key. */
  counters(): Map<string, number> {
    return new Map(this.table.scan<number>(this.region, 'C#'));
  }
}
