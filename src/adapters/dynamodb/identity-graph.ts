import type { IdentityGraphReader } from '../../app/ports/identity-graph.js';
import type { CounterRow, ErasureCounts } from '../../app/records.js';
import type { Attribution } from '../../domain/attribution.js';
import type { IdentifierKind } from '../../domain/keys.js';
import type {
  AttributionStore,
  CommitResult,
  Device,
  StoreLoadRequest,
  StoreSnapshot,
  UnitOfWork,
} from '../../domain/store.js';
import type { CapacityMeter } from './capacity.js';
import { commit } from './identity-graph/commit.js';
import { eraseIdentity } from './identity-graph/erasure.js';
import { findDevice, listAttributions, load, readCounters } from './identity-graph/reads.js';
import { GraphTable, type IdentityGraphOptions } from './identity-graph/table.js';

export type { IdentityGraphOptions } from './identity-graph/table.js';

/**
 * The identity graph on DynamoDB (single-table design), implementing the engine's storage port.
 *
 * | item                      | pk                           | sk                                   | TTL (`expiresAt`) |
 * | ------------------------- | ---------------------------- | ------------------------------------ | ----------------- |
 * | identifier → device link  | `I#<identifierKey>`          | `I`                                  | none              |
 * | device                    | `D#<tenant>#<app>#<id>`      | `D`                                  | none              |
 * | attribution (history)     | `D#<tenant>#<app>#<id>`      | `A#<installTimeMs>#<eventId>`        | none              |
 * | touchpoint, id match key  | `M#<matchKey>`               | `<timestampMs>#<touchpointId>`       | touch time + 31 d |
 * | touchpoint, signature     | `S#<tenant>#<app>#<ip>`      | `<platform|os|model>#<timestampMs>#<touchpointId>` | touch time + 8 d |
 * | processed-event marker    | `E#<eventKey>`               | `E`                                  | 400 days          |
 * | per-day counter row shard | `C#<tenant>#<app>#<YYYY-MM>` | `<day>#<network>#<campaign>#<shard>` | none              |
 * | installs per IP and hour  | `H#<ipHourKey>`              | `H`                                  | 2 days            |
 *
 * Every key begins with the tenant and app (domain keys from `keys.ts` already do), so nothing reads
 * across tenants. Counters are partitioned by month so a year's report is twelve queries; a row holds
 * one attribute per metric (`m#installs`, `m#revenue#USD`), split into shards summed on read. Devices
 * and attributions are compressed documents (`z`, `codec.ts`); a device's settled first attribution
 * lives only in the device item, and a new device's link to the identifier its id is derived from is
 * implied (looked up under that id). An install's three signatures are one Query of its IP's partition.
 * Layout, sizes, the exactly-once argument and cost per 1,000 events: docs/identity-graph.md.
 *
 * A commit writes pure touchpoint units with BatchWriteItem, folds each device's consecutive units into
 * one plan, and packs the plans, several to a transaction, in waves that keep each device's units in
 * record order.
 */

export class IdentityGraph implements AttributionStore, IdentityGraphReader {
  /** Requests and the capacity DynamoDB reported. */
  readonly meter: CapacityMeter;
  /** Requests and the capacity DynamoDB bills for them, computed from item sizes (`billing.ts`). */
  readonly billed: CapacityMeter;
  private readonly table: GraphTable;

  constructor(options: IdentityGraphOptions) {
    this.table = new GraphTable(options);
    this.meter = this.table.meter;
    this.billed = this.table.billed;
  }

  load(request: StoreLoadRequest): Promise<StoreSnapshot> {
    return load(this.table, request);
  }

  commit(units: readonly UnitOfWork[]): Promise<CommitResult> {
    return commit(this.table, units);
  }

  /** The device known by one identifier in one app. */
  findDevice(
    tenantId: string,
    appId: string,
    kind: IdentifierKind,
    value: string,
  ): Promise<Device | undefined> {
    return findDevice(this.table, tenantId, appId, kind, value);
  }

  /** Every attribution decision of a device, oldest first. */
  listAttributions(device: Pick<Device, 'tenantId' | 'appId' | 'deviceId'>): Promise<Attribution[]> {
    return listAttributions(this.table, device);
  }

  /** Counter rows of an app between two days (inclusive, `YYYY-MM-DD`). */
  readCounters(tenantId: string, appId: string, fromDay: string, toDay: string): Promise<CounterRow[]> {
    return readCounters(this.table, tenantId, appId, fromDay, toDay);
  }

  /** Erases one identity: device, identifiers, touchpoints and attribution history (see `erasure.ts`). */
  eraseIdentity(
    tenantId: string,
    appId: string,
    kind: IdentifierKind,
    value: string,
  ): Promise<ErasureCounts> {
    return eraseIdentity(this.table, tenantId, appId, kind, value);
  }
}
