import { createHash } from 'node:crypto';
import type { EventAttribution } from '../attribution.js';
import { type AttributionResponse, presentAttribution } from '../present.js';
import { type Destination, decisionKindOf, takesEvent } from './destinations.js';
import { type MacroValues, renderTemplate } from './macros.js';
import { slackMessage } from './slack.js';
import type { DeliverySubject, DeviceFacts } from './subjects.js';

export type { DeliverySubject, DeviceFacts } from './subjects.js';

/**
 * From a committed decision or credited event to delivery jobs: one per matching destination, each
 * with a deterministic id so that a redelivered stream record maps to the same jobs (and the
 * idempotency record refuses the second copy).
 */

/** The HTTP request a job makes; webhook signatures are added at send time (the secret may rotate). */
export interface DeliveryRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly body?: string;
}

export interface DeliveryJob {
  /** `pb_` + 32 hex digits of SHA-256 over tenant, app, subject and destination. */
  readonly jobId: string;
  readonly tenantId: string;
  readonly appId: string;
  readonly destinationId: string;
  readonly destinationType: Destination['type'];
  readonly subjectKind: DeliverySubject['kind'];
  /** The decision's install event id, or the credited event's id. */
  readonly subjectId: string;
  readonly deviceId: string;
  /** The device identifiers the job carries: an erasure of any of them cancels it. */
  readonly identifiers: {
    readonly advertisingId?: string;
    readonly vendorId?: string;
    readonly customerUserId?: string;
  };
  readonly request: DeliveryRequest;
  /** When the job was made; the 24 h retry budget counts from here. */
  readonly createdAtMs: number;
}

/** Deterministic job id: the same subject and destination always give the same id. */
export function deliveryJobId(
  tenantId: string,
  appId: string,
  subjectKind: DeliverySubject['kind'],
  subjectId: string,
  destinationId: string,
): string {
  const digest = createHash('sha256')
    .update([tenantId, appId, subjectKind, subjectId, destinationId].join('\u0000'))
    .digest('hex');
  return `pb_${digest.slice(0, 32)}`;
}

/** The webhook body of a decision: the §3 answer with the event and device it is about. */
export interface DecisionWebhookBody {
  readonly type: 'decision';
  readonly app_id: string;
  readonly event_id: string;
  readonly device: ReturnType<typeof presentDevice>;
  readonly attribution: AttributionResponse;
}

/** The webhook body of a credited in-app event. */
export interface EventWebhookBody {
  readonly type: 'event';
  readonly app_id: string;
  readonly event_id: string;
  readonly event_name: string;
  readonly event_time: string;
  readonly revenue: { readonly amount: number; readonly currency: string } | null;
  readonly credited_as: EventAttribution['creditedAs'];
  readonly source: {
    network: string;
    campaign: string | null;
    adset: string | null;
    ad: string | null;
  } | null;
  readonly device: ReturnType<typeof presentDevice>;
}

function presentDevice(d: DeviceFacts) {
  return {
    platform: d.platform ?? null,
    advertising_id: d.advertisingId ?? null,
    vendor_id: d.vendorId ?? null,
    customer_user_id: d.customerUserId ?? null,
    ip: d.ip ?? null,
  };
}

const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());

/** The macro values of a subject (SPEC §7). */
export function macroValuesOf(subject: DeliverySubject): MacroValues {
  const d = subject.device;
  const common = {
    advertising_id: d.advertisingId ?? '',
    vendor_id: d.vendorId ?? '',
    platform: d.platform ?? '',
    // The country of the lake and the reports (SPEC §8), not the language setting's region.
    country: d.country ?? '',
    ip: d.ip ?? '',
  };
  if (subject.kind === 'decision') {
    const a = subject.attribution;
    return {
      ...common,
      click_id: a.source?.networkClickId ?? '',
      event_name: a.kind,
      revenue: '',
      currency: '',
      campaign: a.source?.campaign ?? '',
      adset: a.source?.adset ?? '',
      ad: a.source?.ad ?? '',
      install_time: iso(a.installTimeMs),
      event_time: iso(a.installTimeMs),
      fraud_reasons: a.fraud.map((f) => f.reason).join(','),
    };
  }
  const e = subject.event;
  return {
    ...common,
    click_id: e.source?.networkClickId ?? '',
    event_name: e.type,
    revenue: e.revenue ? String(e.revenue.amount) : '',
    currency: e.revenue?.currency ?? '',
    campaign: e.source?.campaign ?? '',
    adset: e.source?.adset ?? '',
    ad: e.source?.ad ?? '',
    install_time: '',
    event_time: iso(e.timestampMs),
    fraud_reasons: '',
  };
}

export function webhookBodyOf(subject: DeliverySubject): DecisionWebhookBody | EventWebhookBody {
  if (subject.kind === 'decision') {
    const a = subject.attribution;
    return {
      type: 'decision',
      app_id: a.appId,
      event_id: a.eventId,
      device: presentDevice(subject.device),
      attribution: presentAttribution(a),
    };
  }
  const e = subject.event;
  return {
    type: 'event',
    app_id: e.appId,
    event_id: e.eventId,
    event_name: e.type,
    event_time: iso(e.timestampMs),
    revenue: e.revenue ?? null,
    credited_as: e.creditedAs,
    source: e.source
      ? {
          network: e.source.network,
          campaign: e.source.campaign ?? null,
          adset: e.source.adset ?? null,
          ad: e.source.ad ?? null,
        }
      : null,
    device: presentDevice(subject.device),
  };
}

/** Does the destination take this subject? Partner postbacks only what is credited to their network. */
export function destinationTakes(destination: Destination, subject: DeliverySubject): boolean {
  if (subject.kind === 'decision') {
    const a = subject.attribution;
    if (!destination.kinds.includes(decisionKindOf(a))) return false;
    return destination.type !== 'partner' || a.source?.network === destination.network;
  }
  const e = subject.event;
  if (!takesEvent(destination, e.type, subject.lifecycle)) return false;
  return destination.type !== 'partner' || e.source?.network === destination.network;
}

function requestFor(destination: Destination, subject: DeliverySubject): DeliveryRequest {
  switch (destination.type) {
    case 'partner':
      return { method: 'GET', url: renderTemplate(destination.url, macroValuesOf(subject)) };
    case 'webhook':
      return { method: 'POST', url: destination.url, body: JSON.stringify(webhookBodyOf(subject)) };
    case 'slack':
      return { method: 'POST', url: destination.url, body: JSON.stringify(slackMessage(subject)) };
  }
}

/**
 * The delivery jobs of one committed decision or credited event: one per destination that takes it.
 * @example
 * const jobs = planDeliveries({ kind: 'decision', attribution, device }, destinations, Date.now());
 */
export function planDeliveries(
  subject: DeliverySubject,
  destinations: readonly Destination[],
  nowMs: number,
): DeliveryJob[] {
  const about = subject.kind === 'decision' ? subject.attribution : subject.event;
  const identifiers = {
    ...(subject.device.advertisingId ? { advertisingId: subject.device.advertisingId } : {}),
    ...(subject.device.vendorId ? { vendorId: subject.device.vendorId } : {}),
    ...(subject.device.customerUserId ? { customerUserId: subject.device.customerUserId } : {}),
  };
  return destinations
    .filter((destination) => destinationTakes(destination, subject))
    .map((destination) => ({
      jobId: deliveryJobId(about.tenantId, about.appId, subject.kind, about.eventId, destination.id),
      tenantId: about.tenantId,
      appId: about.appId,
      destinationId: destination.id,
      destinationType: destination.type,
      subjectKind: subject.kind,
      subjectId: about.eventId,
      deviceId: about.deviceId,
      identifiers,
      request: requestFor(destination, subject),
      createdAtMs: nowMs,
    }));
}
