import type { PipelineRecord } from '../domain/records.js';

/**
 * The write model of a multi-region platform (SPEC §6, docs/deployment.md "Regions and the write model").
 *
 * DynamoDB global tables settle concurrent writes to one item in two regions by last writer wins, and
 * check conditions only in the region that writes. Counter `ADD`s, IP-hour counts and device versions
 * written for one tenant in two regions at once would therefore lose updates or count twice. So each
 * tenant has a **home region**, kept in the replicated tenant registry: only the attribution consumer of
 * the home region writes the tenant's identity graph and counters. Every region accepts ingest; the
 * consumer of any other region forwards the tenant's records to the home region's stream.
 *
 * Moving a tenant's home (failover, rebalancing) sets a new home with a `sinceMs` in the future: the old
 * home keeps writing until its cached view of the registry changes, and the new home only starts writing
 * at `sinceMs`, once every region's cache and the graph's replication have caught up (the grace period).
 */

/** Where a tenant's graph and counters are written. */
export interface TenantHome {
  readonly region: string;
  /**
   * When that region may start writing (epoch ms); before it, records wait (are retried) there.
   * @default 0: already writing
   */
  readonly sinceMs?: number;
}

/** Reads tenants' homes from the replicated registry (cached: a lookup per record would be too many). */
export interface TenantHomes {
  homeOf(tenantId: string): Promise<TenantHome>;
}

/** Puts a tenant's records on the ingest stream of its home region. */
export interface RecordForwarder {
  /** @throws when any record could not be put (the caller retries them all; the home deduplicates) */
  forward(region: string, records: readonly PipelineRecord[]): Promise<void>;
}

/** What this region does with one record. */
export type HomeDecision =
  | { readonly action: 'write' }
  | { readonly action: 'forward'; readonly region: string }
  | { readonly action: 'wait'; readonly untilMs: number };

/**
 * The rule: a region writes a tenant's records only when it is the tenant's home and the home's grace
 * period is over; it forwards the records of tenants homed elsewhere; it holds back (retries later) the
 * records of a tenant that is moving to it.
 * @example
 * decideHome({ region: 'us-east-1' }, 'eu-west-1', Date.now()) // { action: 'forward', region: 'us-east-1' }
 */
export function decideHome(home: TenantHome, here: string, nowMs: number): HomeDecision {
  if (home.region !== here) return { action: 'forward', region: home.region };
  const since = home.sinceMs ?? 0;
  return nowMs < since ? { action: 'wait', untilMs: since } : { action: 'write' };
}

/** The tenant a pipeline record belongs to, derived in one place (`pipeline-record.ts`). */
export { tenantOf } from './pipeline-record.js';
