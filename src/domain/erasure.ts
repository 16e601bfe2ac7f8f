import { createHash } from 'node:crypto';
import type { IdentifierKind } from './keys.js';

/**
 * Erasure tombstones (GDPR / CCPA), as plain data: what the lake keeps of an erased identity so that its
 * rows can be excluded from every query without keeping the identifiers themselves.
 */

/** One identifier of the erased identity, as the graph (or the request) names it. */
export interface ErasedIdentifier {
  readonly kind: IdentifierKind;
  readonly value: string;
}

export interface Tombstone {
  readonly requestId: string;
  readonly tenantId: string;
  readonly appId: string;
  /** ISO-8601; rows received (raw) or decided (attributions) at or before it are excluded. */
  readonly erasedAt: string;
  /** The erased device ids (attribution rows carry them). */
  readonly deviceIds: readonly string[];
  /** The erased identifiers (raw rows carry them); only their hashes are written. */
  readonly identifiers: readonly ErasedIdentifier[];
}

/** A tombstone row in the column layout of `ERASURE_COLUMNS`. */
export interface TombstoneRow {
  readonly request_id: string;
  readonly erased_at: string;
  readonly key_kind: 'device' | IdentifierKind;
  readonly device_id: string | null;
  readonly identifier_hash: string | null;
}

/** An identifier's value as the graph keys it: advertising and vendor ids are case-insensitive UUIDs. */
export function normaliseIdentifier(kind: IdentifierKind, value: string): string {
  return kind === 'cuid' ? value : value.trim().toLowerCase();
}

/**
 * Unpadded base64url SHA-256 of `<kind>:<normalised value>`. The lake queries compute the same hash from
 * a raw row's columns (`identifierHashSql` in `src/definitions/queries.ts`), so raw rows of an erased
 * identity are excluded while the tombstone never holds the identifier.
 */
export function identifierHash(kind: IdentifierKind, value: string): string {
  return createHash('sha256')
    .update(`${kind}:${normaliseIdentifier(kind, value)}`)
    .digest('base64url');
}

/** The rows a tombstone is written as: one per device and one per distinct identifier. */
export function tombstoneRows(tombstone: Tombstone): TombstoneRow[] {
  const base = { request_id: tombstone.requestId, erased_at: tombstone.erasedAt };
  const rows: TombstoneRow[] = [...new Set(tombstone.deviceIds)].map((deviceId) => ({
    ...base,
    key_kind: 'device',
    device_id: deviceId,
    identifier_hash: null,
  }));
  const seen = new Set<string>();
  for (const { kind, value } of tombstone.identifiers) {
    const hash = identifierHash(kind, value);
    if (seen.has(hash)) continue;
    seen.add(hash);
    rows.push({ ...base, key_kind: kind, device_id: null, identifier_hash: hash });
  }
  return rows;
}

/** A lake row as the compaction reads it back (raw record or attribution columns). */
export type LakeRowValues = Readonly<Record<string, unknown>>;

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * The predicate the lake queries apply, in TypeScript: true when a row is hidden by a tombstone. An
 * attribution row is by its `device_id` and `decided_at`; a raw row by the hashes of its identifiers and
 * its `received_at` (or `timestamp`). Rows after the latest erasure of their key stay.
 */
export function erasedRowMatcher(
  tombstones: readonly TombstoneRow[],
): (table: 'events' | 'touchpoints' | 'attributions', row: LakeRowValues) => boolean {
  const byDevice = new Map<string, string>();
  const byHash = new Map<string, string>();
  const latest = (map: Map<string, string>, key: string | null, at: string) => {
    if (key !== null && at > (map.get(key) ?? '')) map.set(key, at);
  };
  for (const t of tombstones) {
    latest(byDevice, t.device_id, t.erased_at);
    latest(byHash, t.identifier_hash, t.erased_at);
  }
  const before = (at: string | undefined, erasedAt: string | undefined) =>
    erasedAt !== undefined && at !== undefined && at <= erasedAt;
  return (table, row) => {
    if (table === 'attributions') {
      const deviceId = text(row.device_id);
      return deviceId !== undefined && before(text(row.decided_at), byDevice.get(deviceId));
    }
    const device = (row.device ?? {}) as LakeRowValues;
    const at = text(row.received_at) ?? text(row.timestamp);
    const identifiers: [IdentifierKind, string | undefined][] = [
      ['adid', text(device.advertising_id)],
      ['idfv', text(device.vendor_id)],
      ['cuid', text(row.customer_user_id)],
    ];
    return identifiers.some(
      ([kind, value]) => value !== undefined && before(at, byHash.get(identifierHash(kind, value))),
    );
  };
}
