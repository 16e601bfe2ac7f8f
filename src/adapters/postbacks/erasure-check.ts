import type { ErasureCheck } from '../../app/postbacks/ports.js';
import type { IdentifierKind } from '../../domain/keys.js';
import type { DeliveryJob } from '../../domain/postbacks/jobs.js';
import type { Device } from '../../domain/store.js';

/** The identity graph look-up the check needs (the graph adapter has it). */
export interface DeviceFinder {
  findDevice(
    tenantId: string,
    appId: string,
    kind: IdentifierKind,
    value: string,
  ): Promise<Device | undefined>;
}

/**
 * A job's device is erased when none of the identifiers it carries still leads to it: jobs are made after
 * the device is committed, and an erasure deletes the device with its identifier links. A device found
 * under another id counts when it was first seen before the job was made (a merge kept the other id);
 * one first seen later is a new device of an identity erased since. A job without identifiers cannot be
 * erased by identifier and is sent.
 */
export class GraphErasureCheck implements ErasureCheck {
  constructor(private readonly graphFor: (tenantId: string) => DeviceFinder) {}

  async isErased(job: DeliveryJob): Promise<boolean> {
    const ids: [IdentifierKind, string | undefined][] = [
      ['adid', job.identifiers.advertisingId],
      ['idfv', job.identifiers.vendorId],
      ['cuid', job.identifiers.customerUserId],
    ];
    const present = ids.filter((entry): entry is [IdentifierKind, string] => entry[1] !== undefined);
    if (present.length === 0) return false;
    const graph = this.graphFor(job.tenantId);
    for (const [kind, value] of present) {
      const device = await graph.findDevice(job.tenantId, job.appId, kind, value);
      if (device && (device.deviceId === job.deviceId || device.firstSeenMs <= job.createdAtMs)) return false;
    }
    return true;
  }
}
