import { type Database, TransactionFlags } from 'lmdb';
import type { CounterRow, ErasureCounts } from '../../app/records.js';
import type { Attribution } from '../../domain/attribution.js';
import { type IdentifierKind, identifierKey } from '../../domain/keys.js';
import type { Touchpoint } from '../../domain/records.js';
import type {
  AttributionStore,
  CommitResult,
  CounterIncrement,
  CounterMetric,
  Device,
  StoredEventOutcome,
  StoreLoadRequest,
  StoreSnapshot,
  UnitOfWork,
} from '../../domain/store.js';
import { END, key, SEP, under } from './database.js';

/**
 * The identity graph in the embedded database (LMDB), implementing the engine's storage port and the
 * API's graph reader with the DynamoDB adapter's semantics (`src/adapters/dynamodb/identity-graph.ts`):
 * the same items, keyed for ordered range reads instead of partition and sort keys.
 *
 * | item                      | key                                               | expires        |
 * | ------------------------- | ------------------------------------------------- | -------------- |
 * | identifier → device link  | `I <identifierKey>`                               | never          |
 * | device                    | `D <tenant> <app> <deviceId>`                     | never          |
 * | attribution (history)     | `A <tenant> <app> <deviceId> <installTimeMs>#<eventId>` | never    |
 * | touchpoint, per match key | `M <matchKey> <timestampMs>#<touchpointId>`       | touch + 31 d (signature keys + 8 d) |
 * | processed-event marker    | `E <eventKey>`                                    | 400 days       |
 * | per-day counter           | `C <tenant> <app> <day> <network> <campaign> <metric> <currency>` | never |
 * | installs per IP and hour  | `H <ipHourKey>`                                   | 2 days         |
 * | expiry index              | `X <expiresAtSeconds> <item key>`                 | —              |
 *
 * A commit is one write transaction: its units are checked and applied in record order, each one only
 * when its event key is new and every device's stored version is `version - 1` (the port's conditions),
 * so a unit lands whole or not at all, and the batch's units land together or (on a crash) not at all.
 */

export interface EmbeddedIdentityGraphOptions {
  /** The `graph` database of `openEmbeddedDatabase`. */
  readonly db: Database;
  /** Most recent touchpoints read per match key. @default 50, as the DynamoDB adapter */
  readonly touchpointsPerKey?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

const DAY_S = 86_400;
const TOUCHPOINT_TTL_S = 31 * DAY_S;
const SIGNATURE_TTL_S = 8 * DAY_S;
const EVENT_MARKER_TTL_S = 400 * DAY_S;
const IP_HOUR_TTL_S = 2 * DAY_S;

const pad = (n: number, width = 15) => String(Math.max(0, Math.trunc(n))).padStart(width, '0');
const linkKey = (identifier: string) => key('I', identifier);
const deviceKey = (d: Pick<Device, 'tenantId' | 'appId' | 'deviceId'>) =>
  key('D', d.tenantId, d.appId, d.deviceId);
const attributionKey = (a: Attribution) =>
  key('A', a.tenantId, a.appId, a.deviceId, `${pad(a.installTimeMs)}#${a.eventId}`);
const touchpointKey = (matchKey: string, t: Touchpoint) =>
  key('M', matchKey, `${pad(t.timestampMs)}#${t.id}`);
const markerKey = (eventKey: string) => key('E', eventKey);
const ipHourKey = (ipKey: string) => key('H', ipKey);
const counterKey = (c: CounterIncrement) =>
  key('C', c.tenantId, c.appId, c.day, c.network, c.campaign, c.metric, c.currency ?? '');
const expiryKey = (expiresAtS: number, itemKey: string) => key('X', pad(expiresAtS, 12), itemKey);

interface StoredTouchpoint {
  readonly t: Touchpoint;
  /** Every match key the touchpoint is stored under (erasure removes all copies). */
  readonly k: readonly string[];
  readonly x: number;
}
interface StoredMarker {
  readonly x: number;
  readonly o?: StoredEventOutcome;
}
interface StoredIpHour {
  readonly c: number;
  readonly x: number;
}

export class EmbeddedIdentityGraph implements AttributionStore {
  private readonly db: Database;
  private readonly touchpointsPerKey: number;
  private readonly now: () => number;

  constructor(options: EmbeddedIdentityGraphOptions) {
    this.db = options.db;
    this.touchpointsPerKey = options.touchpointsPerKey ?? 50;
    this.now = options.now ?? Date.now;
  }

  // ---------------------------------------------------------------- port: load

  async load(request: StoreLoadRequest): Promise<StoreSnapshot> {
    const db = this.db;
    const devices = new Map<string, Device>();
    for (const identifier of request.deviceKeys) {
      if (devices.has(identifier)) continue;
      const deviceId = db.get(linkKey(identifier)) as string | undefined;
      if (deviceId === undefined) continue;
      const [tenantId = '', appId = ''] = identifier.split('#', 2);
      const device = db.get(deviceKey({ tenantId, appId, deviceId })) as Device | undefined;
      if (device) devices.set(identifier, device);
    }
    const touchpoints = new Map<string, Touchpoint[]>();
    for (const matchKey of request.touchpointKeys) {
      if (touchpoints.has(matchKey)) continue;
      const range = under('M', matchKey);
      const list: Touchpoint[] = [];
      // Newest first, as the DynamoDB adapter's Query (ScanIndexForward false, Limit).
      for (const { value } of db.getRange({
        start: range.end,
        end: range.start,
        reverse: true,
        limit: this.touchpointsPerKey,
      }))
        list.push((value as StoredTouchpoint).t);
      if (list.length > 0) touchpoints.set(matchKey, list);
    }
    const processedEvents = new Set<string>();
    const processedEventOutcomes = new Map<string, StoredEventOutcome>();
    for (const eventKey of request.eventKeys) {
      const marker = db.get(markerKey(eventKey)) as StoredMarker | undefined;
      if (!marker) continue;
      processedEvents.add(eventKey);
      if (marker.o) processedEventOutcomes.set(eventKey, marker.o);
    }
    const ipInstallCounts = new Map<string, number>();
    for (const ipKey of request.ipHourKeys) {
      const count = db.get(ipHourKey(ipKey)) as StoredIpHour | undefined;
      if (count) ipInstallCounts.set(ipKey, count.c);
    }
    return processedEventOutcomes.size > 0
      ? { devices, touchpoints, processedEvents, processedEventOutcomes, ipInstallCounts }
      : { devices, touchpoints, processedEvents, ipInstallCounts };
  }

  // ---------------------------------------------------------------- port: commit

  async commit(units: readonly UnitOfWork[]): Promise<CommitResult> {
    // Synchronous: the consumer's thread waits for its own commit only, not behind the queue of
    // asynchronous writes. Committed is enough for a process crash; the next flush makes it power-safe.
    const failedRecordIndexes = this.db.transactionSync(() => {
      const failed: number[] = [];
      const nowS = Math.floor(this.now() / 1000);
      for (const unit of units) {
        if (this.applicable(unit)) this.apply(unit, nowS);
        else failed.push(unit.recordIndex);
      }
      return failed;
    }, TransactionFlags.NO_SYNC_FLUSH);
    return { failedRecordIndexes: [...failedRecordIndexes].sort((a, b) => a - b) };
  }

  private applicable(unit: UnitOfWork): boolean {
    if (unit.eventKey !== undefined && this.db.doesExist(markerKey(unit.eventKey))) return false;
    for (const device of unit.devices) {
      const stored = (this.db.get(deviceKey(device)) as Device | undefined)?.version ?? -1;
      if (stored !== device.version - 1) return false;
    }
    return true;
  }

  private apply(unit: UnitOfWork, nowS: number): void {
    const db = this.db;
    if (unit.eventKey !== undefined) {
      const marker: StoredMarker = {
        x: nowS + EVENT_MARKER_TTL_S,
        // The committing record and its decision: a redelivery of that record rewrites its lake rows.
        ...(unit.sourceId === undefined ? {} : { o: eventOutcome(unit, unit.sourceId) }),
      };
      this.putExpiring(markerKey(unit.eventKey), marker, marker.x);
    }
    for (const device of unit.devices) db.putSync(deviceKey(device), device);
    for (const link of unit.identifierLinks) db.putSync(linkKey(link.key), link.deviceId);
    for (const { touchpoint, keys } of unit.touchpoints) {
      const distinct = [...new Set(keys)];
      const touchS = Math.floor(touchpoint.timestampMs / 1000);
      for (const matchKey of distinct) {
        const ttl = matchKey.includes('#sig#') ? SIGNATURE_TTL_S : TOUCHPOINT_TTL_S;
        const stored: StoredTouchpoint = {
          t: touchpoint,
          k: distinct,
          x: Math.max(touchS, nowS) + ttl,
        };
        this.putExpiring(touchpointKey(matchKey, touchpoint), stored, stored.x);
      }
    }
    for (const attribution of unit.attributions) db.putSync(attributionKey(attribution), attribution);
    for (const counter of unit.counters) {
      const at = counterKey(counter);
      db.putSync(at, ((db.get(at) as number | undefined) ?? 0) + counter.value);
    }
    for (const increment of unit.ipHourIncrements) {
      const at = ipHourKey(increment.key);
      const count = (db.get(at) as StoredIpHour | undefined)?.c ?? 0;
      const stored: StoredIpHour = { c: count + increment.delta, x: nowS + IP_HOUR_TTL_S };
      this.putExpiring(at, stored, stored.x);
    }
  }

  /** Puts an item with an expiry, indexed so `sweepExpired` finds it without a scan. */
  private putExpiring(itemKey: string, value: { x: number }, expiresAtS: number): void {
    this.db.putSync(itemKey, value);
    this.db.putSync(expiryKey(expiresAtS, itemKey), itemKey);
  }

  /**
   * Deletes items past their expiry (touchpoints, processed-event markers, IP-hour counts), as DynamoDB's
   * TTL does: reads until then still see them. An item rewritten with a later expiry stays.
   * @returns the number of items deleted
   */
  async sweepExpired(nowMs = this.now()): Promise<number> {
    const nowS = Math.floor(nowMs / 1000);
    return this.db.transaction(() => {
      let deleted = 0;
      const range = { start: `X${SEP}`, end: expiryKey(nowS + 1, '') };
      for (const { key: indexKey, value } of this.db.getRange(range)) {
        const itemKey = value as string;
        const item = this.db.get(itemKey) as { x?: number } | undefined;
        const expiresAtS = Number(String(indexKey).split(SEP)[1]);
        if (item && item.x === expiresAtS) {
          this.db.removeSync(itemKey);
          deleted++;
        }
        this.db.removeSync(indexKey);
      }
      return deleted;
    });
  }

  // ---------------------------------------------------------------- reads for the API

  /** The device known by one identifier in one app. */
  async findDevice(
    tenantId: string,
    appId: string,
    kind: IdentifierKind,
    value: string,
  ): Promise<Device | undefined> {
    const identifier = identifierKey(tenantId, appId, kind, value);
    const snapshot = await this.load({
      deviceKeys: [identifier],
      touchpointKeys: [],
      eventKeys: [],
      ipHourKeys: [],
    });
    return snapshot.devices.get(identifier);
  }

  /** Every attribution decision of a device, oldest first. */
  async listAttributions(device: Pick<Device, 'tenantId' | 'appId' | 'deviceId'>): Promise<Attribution[]> {
    return [...this.db.getRange(under('A', device.tenantId, device.appId, device.deviceId))].map(
      (e) => e.value as Attribution,
    );
  }

  /** Counter rows of an app between two days (inclusive, `YYYY-MM-DD`). */
  async readCounters(tenantId: string, appId: string, fromDay: string, toDay: string): Promise<CounterRow[]> {
    const rows: CounterRow[] = [];
    const range = {
      start: key('C', tenantId, appId, fromDay),
      end: `${key('C', tenantId, appId, toDay)}${END}`,
    };
    for (const { key: at, value } of this.db.getRange(range)) {
      const [, , , day = '', network = '', campaign = '', metric = '', currency = ''] = String(at).split(SEP);
      rows.push({
        day,
        network,
        campaign,
        metric: metric as CounterMetric,
        ...(currency === '' ? {} : { currency }),
        value: value as number,
      });
    }
    return rows;
  }

  /**
   * Erases one identity: its device, every identifier linked to it, the touchpoints found through its
   * device identifiers (with their copies under other match keys) and its attribution history.
   * Processed-event markers (no personal data) and aggregate counters stay. One transaction.
   */
  async eraseIdentity(
    tenantId: string,
    appId: string,
    kind: IdentifierKind,
    value: string,
  ): Promise<ErasureCounts> {
    return this.db.transaction(() => {
      const db = this.db;
      const requested = identifierKey(tenantId, appId, kind, value);
      const deviceId = db.get(linkKey(requested)) as string | undefined;
      const device =
        deviceId === undefined
          ? undefined
          : (db.get(deviceKey({ tenantId, appId, deviceId })) as Device | undefined);
      const identifiers = new Set<string>([requested]);
      const doomed = new Set<string>();
      let attributions = 0;
      if (device) {
        for (const id of device.advertisingIds) identifiers.add(identifierKey(tenantId, appId, 'adid', id));
        for (const id of device.vendorIds) identifiers.add(identifierKey(tenantId, appId, 'idfv', id));
        for (const id of device.customerUserIds) identifiers.add(identifierKey(tenantId, appId, 'cuid', id));
        doomed.add(deviceKey(device));
        for (const { key: at } of db.getRange(under('A', tenantId, appId, device.deviceId))) {
          doomed.add(String(at));
          attributions++;
        }
      }
      let touchpoints = 0;
      for (const identifier of identifiers) {
        doomed.add(linkKey(identifier));
        for (const { value: stored } of db.getRange(under('M', identifier))) {
          touchpoints++;
          const { t, k } = stored as StoredTouchpoint;
          for (const matchKey of k.length > 0 ? k : [identifier]) doomed.add(touchpointKey(matchKey, t));
        }
      }
      for (const at of doomed) db.removeSync(at);
      return {
        devices: device ? 1 : 0,
        identifiers: device ? identifiers.size : 0,
        touchpoints,
        attributions,
      };
    });
  }
}

function eventOutcome(unit: UnitOfWork, sourceId: string): StoredEventOutcome {
  return {
    sourceId,
    ...(unit.attributions[0] ? { attribution: unit.attributions[0] } : {}),
    ...(unit.eventAttributions[0] ? { eventAttribution: unit.eventAttributions[0] } : {}),
  };
}
