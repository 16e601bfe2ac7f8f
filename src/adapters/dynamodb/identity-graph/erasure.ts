import type { ErasureCounts } from '../../../app/records.js';
import { type IdentifierKind, identifierKey } from '../../../domain/keys.js';
import { devicePk, isSignatureKey, linkPk, matchPk, touchpointKey } from './layout.js';
import { attributionsOf, findDevice } from './reads.js';
import type { GraphTable } from './table.js';

/**
 * Erases one identity: its device, every identifier linked to it, the touchpoints found through its
 * device identifiers (with their copies under other match keys) and its attribution history.
 * Processed-event markers (no personal data) and aggregate counters stay.
 */
export async function eraseIdentity(
  t: GraphTable,
  tenantId: string,
  appId: string,
  kind: IdentifierKind,
  value: string,
): Promise<ErasureCounts> {
  const device = await findDevice(t, tenantId, appId, kind, value);
  const requestedKey = identifierKey(tenantId, appId, kind, value);
  const keys: { pk: string; sk: string }[] = [];
  const identifierKeys = new Set<string>([requestedKey]);
  let attributions = 0;
  if (device) {
    for (const id of device.advertisingIds) identifierKeys.add(identifierKey(tenantId, appId, 'adid', id));
    for (const id of device.vendorIds) identifierKeys.add(identifierKey(tenantId, appId, 'idfv', id));
    for (const id of device.customerUserIds) identifierKeys.add(identifierKey(tenantId, appId, 'cuid', id));
    const deviceItems = await t.queryAll(devicePk(device), '');
    for (const item of deviceItems) keys.push({ pk: String(item.pk), sk: String(item.sk) });
    // History items, and the first attribution the device item holds without one.
    attributions = attributionsOf(deviceItems).length;
  }
  for (const key of identifierKeys) keys.push({ pk: linkPk(key), sk: 'I' });
  let touchpoints = 0;
  const touchpointItems = new Map<string, { pk: string; sk: string }>();
  for (const key of identifierKeys) {
    for (const item of await t.queryAll(matchPk(key), '')) {
      touchpoints++;
      // Found under a device id: its sort key is the touchpoint's own (`<time>#<id>`).
      const touchSk = String(item.sk);
      for (const matchKey of (item.keys as string[] | undefined) ?? [key]) {
        const copy = touchpointKey(matchKey, touchSk);
        touchpointItems.set(`${copy.pk}|${copy.sk}`, copy);
        // A signature copy written before IP partitions sits under its match key, like the others.
        if (isSignatureKey(matchKey))
          touchpointItems.set(`${matchPk(matchKey)}|${touchSk}`, { pk: matchPk(matchKey), sk: touchSk });
      }
    }
  }
  keys.push(...touchpointItems.values());
  await t.batchDelete(keys);
  return {
    devices: device ? 1 : 0,
    identifiers: device ? identifierKeys.size : 0,
    touchpoints,
    attributions,
  };
}
