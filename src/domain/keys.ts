/**
 * Store keys. Every key starts with the tenant and the app, so nothing can match across tenants.
 * Keys are plain strings, built only here.
 */

export type IdentifierKind = 'adid' | 'idfv' | 'cuid';

// The `tenant#app` prefix of the last app seen: records of a batch mostly share one app.
let lastTenant = '';
let lastApp = '';
let lastScope = '#';

function scope(tenantId: string, appId: string): string {
  if (tenantId !== lastTenant || appId !== lastApp) {
    lastScope = `${tenantId}#${appId}`;
    lastTenant = tenantId;
    lastApp = appId;
  }
  return lastScope;
}

/** A device identifier: advertising id, vendor id or customer user id. */
export function identifierKey(tenantId: string, appId: string, kind: IdentifierKind, value: string): string {
  // Advertising and vendor ids are case-insensitive UUIDs (SPEC §4.1); a customer user id is exact.
  const normalised = kind === 'cuid' ? value : value.trim().toLowerCase();
  return `${scope(tenantId, appId)}#${kind}#${normalised}`;
}

/**
 * Clicks by the id an install referrer may carry: our touchpoint id, and the network's own `click_id`
 * in the same key space, so an install still reads one key for its referrer (SPEC §4.1).
 */
export function clickIdKey(tenantId: string, appId: string, clickId: string): string {
  return `${scope(tenantId, appId)}#click#${clickId}`;
}

/** Touchpoints with a probabilistic device signature. */
export function signatureKey(tenantId: string, appId: string, signature: string): string {
  return `${scope(tenantId, appId)}#sig#${signature}`;
}

/** An app event, for idempotency: the same app and event id count once. */
export function eventKey(tenantId: string, appId: string, eventId: string): string {
  return `${scope(tenantId, appId)}#event#${eventId}`;
}

/** Installs from one IP in one clock hour (fraud rule `install_rate_per_ip`). */
export function ipHourKey(tenantId: string, appId: string, ip: string, timestampMs: number): string {
  return `${scope(tenantId, appId)}#iphour#${ip}#${Math.floor(timestampMs / 3_600_000)}`;
}
