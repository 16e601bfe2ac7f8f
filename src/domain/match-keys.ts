import { deviceIdentifiers, identifierKeysOf } from './identity.js';
import { clickIdKey, signatureKey } from './keys.js';
import type { Touchpoint } from './records.js';
import { touchpointSignature } from './signature.js';

/**
 * Every key a touchpoint is stored under, so that an install can find it: our click id and the
 * network's `click_id` (install referrer; clicks only), each usable device id it carries, and its
 * probabilistic signature.
 *
 * Impressions are not stored under their id: only a click can win by the install referrer (SPEC §4
 * rule 2), so that copy would never count, and each copy is a billed write (docs/cost.md).
 */
export function touchpointMatchKeys(tp: Touchpoint): string[] {
  const keys = tp.type === 'click' ? [clickIdKey(tp.tenantId, tp.appId, tp.id)] : [];
  if (tp.type === 'click' && tp.networkClickId !== undefined && tp.networkClickId !== tp.id) {
    keys.push(clickIdKey(tp.tenantId, tp.appId, tp.networkClickId));
  }
  const ids = identifierKeysOf(tp.tenantId, tp.appId, deviceIdentifiers(tp));
  if (ids.adid !== undefined) keys.push(ids.adid);
  if (ids.idfv !== undefined) keys.push(ids.idfv);
  const signature = touchpointSignature(tp);
  if (signature !== undefined) keys.push(signatureKey(tp.tenantId, tp.appId, signature));
  return keys;
}
