import type { Attribution, EventAttribution } from '../attribution.js';
import { LIFECYCLE_EVENT_TYPES, type PipelineRecord, type Platform } from '../records.js';

/** What the delivery stage knows of the device from the event that caused the decision. */
export interface DeviceFacts {
  readonly platform?: Platform;
  readonly advertisingId?: string;
  readonly vendorId?: string;
  readonly customerUserId?: string;
  /** As the app keeps it (`ipHandling` was applied at ingest). */
  readonly ip?: string;
  /** `en_US`, as the SDK sent it. */
  readonly locale?: string;
  /** ISO 3166-1 alpha-2 (SPEC §8): `device.country` as sent, else the IP's at ingest; the `{country}` macro. */
  readonly country?: string;
}

export type DeliverySubject =
  | { readonly kind: 'decision'; readonly attribution: Attribution; readonly device: DeviceFacts }
  | {
      readonly kind: 'event';
      readonly event: EventAttribution;
      readonly device: DeviceFacts;
      /** Lifecycle events (open, session) go only to destinations naming them. */
      readonly lifecycle: boolean;
    };

const LIFECYCLE = new Set<string>(LIFECYCLE_EVENT_TYPES);

/**
 * What one committed record may be delivered as: its install decision and its credited event (an
 * install's own event is the decision; opens and sessions are lifecycle events).
 */
export function deliverySubjectsOf(
  record: PipelineRecord,
  attribution: Attribution | undefined,
  eventAttribution: EventAttribution | undefined,
): DeliverySubject[] {
  if (record.kind !== 'event') return [];
  const e = record.event;
  const device = {
    ...(e.platform ? { platform: e.platform } : {}),
    ...(e.advertisingId ? { advertisingId: e.advertisingId } : {}),
    ...(e.vendorId ? { vendorId: e.vendorId } : {}),
    ...(e.customerUserId ? { customerUserId: e.customerUserId } : {}),
    ...(e.ip ? { ip: e.ip } : {}),
    ...(e.locale ? { locale: e.locale } : {}),
    ...(e.country ? { country: e.country } : {}),
  };
  const subjects: DeliverySubject[] = [];
  if (attribution) subjects.push({ kind: 'decision', attribution, device });
  if (eventAttribution && eventAttribution.type !== 'install')
    subjects.push({
      kind: 'event',
      event: eventAttribution,
      device,
      lifecycle: LIFECYCLE.has(eventAttribution.type),
    });
  return subjects;
}
