import type { IdentifierKind } from '../../domain/keys.js';
import type { Device } from '../../domain/store.js';
import type { CounterRow, ErasureCounts } from '../records.js';

/** What the routes read from (and erase in) a tenant's identity graph; the engine writes through its own store port. */
export interface IdentityGraphReader {
  findDevice(
    tenantId: string,
    appId: string,
    kind: IdentifierKind,
    value: string,
  ): Promise<Device | undefined>;
  readCounters(tenantId: string, appId: string, fromDay: string, toDay: string): Promise<CounterRow[]>;
  eraseIdentity(tenantId: string, appId: string, kind: IdentifierKind, value: string): Promise<ErasureCounts>;
}
