import { deviceIdentifiers, identifierKeysOf } from './identity.js';
import { clickIdKey, signatureKey } from './keys.js';
import type { Touchpoint } from './model.js';
import { touchpointSignature } from './signature.js';

/**
 * Every key a touchpoint is stored under, so that an install can find it: our click id (install
 * referrer), each usable device id it carries, and its probabilistic signature.
 */
export function touchpointMatchKeys(tp: Touchpoint): string[] {
  const keys = [clickIdKey(tp.tenantId, tp.appId, tp.id)];
  const ids = identifierKeysOf(tp.tenantId, tp.appId, deviceIdentifiers(tp));
  if (ids.adid !== undefined) keys.push(ids.adid);
  if (ids.idfv !== undefined) keys.push(ids.idfv);
  const signature = touchpointSignature(tp);
  if (signature !== undefined) keys.push(signatureKey(tp.tenantId, tp.appId, signature));
  return keys;
}
