import type { Attribution, EventAttribution, Source } from './attribution.js';
import { counter } from './counters.js';
import { decideFirstInstall, decideLaterInstall, type InstallStep } from './decide-install.js';
import { type DecisionContext, NONE, type RecordDecision, type RecordOutcome } from './decision.js';
import { withActivity, withReengagement } from './device.js';
import { explainIdentity, explainReengagement } from './explain.js';
import { resolveIdentity } from './identity.js';
import type { Overlay } from './overlay.js';
import type { PreparedEvent } from './prepare.js';
import type { AppEvent } from './records.js';
import type { AppSettings } from './settings.js';
import type { CounterIncrement, Device, UnitOfWork } from './store.js';

/** App events (SPEC §4 rules 1, 4 and 5): installs and the events that carry an install's credit. */

/** An event attribution; absent `revenue` and `source` are left out, not set undefined. */
function eventAttributionOf(
  e: AppEvent,
  deviceId: string,
  creditedAs: EventAttribution['creditedAs'],
  source: Source | undefined,
): EventAttribution {
  const revenue = e.revenue;
  if (revenue) {
    return source
      ? {
          tenantId: e.tenantId,
          appId: e.appId,
          deviceId,
          eventId: e.eventId,
          type: e.type,
          timestampMs: e.timestampMs,
          revenue,
          creditedAs,
          source,
        }
      : {
          tenantId: e.tenantId,
          appId: e.appId,
          deviceId,
          eventId: e.eventId,
          type: e.type,
          timestampMs: e.timestampMs,
          revenue,
          creditedAs,
        };
  }
  return source
    ? {
        tenantId: e.tenantId,
        appId: e.appId,
        deviceId,
        eventId: e.eventId,
        type: e.type,
        timestampMs: e.timestampMs,
        creditedAs,
        source,
      }
    : {
        tenantId: e.tenantId,
        appId: e.appId,
        deviceId,
        eventId: e.eventId,
        type: e.type,
        timestampMs: e.timestampMs,
        creditedAs,
      };
}

interface CreditStep {
  readonly ea: EventAttribution;
  readonly device: Device;
  readonly attribution?: Attribution;
  readonly counters: CounterIncrement[];
}

/** The re-engagement decision, made on the first event a retargeting click credits. */
function reengagementOf(e: AppEvent, device: Device, settings: AppSettings): Attribution {
  const re = device.reengagement as NonNullable<Device['reengagement']>;
  const only = [{ touchpointId: re.source.touchpointId, network: re.source.network, credit: 1 }];
  const installedAt = device.currentAttribution?.installTimeMs;
  return {
    tenantId: e.tenantId,
    appId: e.appId,
    deviceId: device.deviceId,
    eventId: e.eventId,
    status: 'attributed',
    kind: 'reengagement',
    source: re.source,
    match: 'device_id',
    touchTimeMs: re.touchTimeMs,
    installTimeMs: installedAt ?? e.timestampMs,
    fraud: [],
    credits: { last_touch: only, first_touch: only, linear: only, time_decay: only, position_based: only },
    explanation: explainReengagement({
      source: re.source,
      deviceId: device.deviceId,
      installTimeMs: installedAt,
      eventType: e.type,
      sinceClickMs: e.timestampMs - re.touchTimeMs,
      windowDays: settings.reengagementWindowDays,
      untilMs: re.untilMs,
    }),
  };
}

/** Rule 5: an in-app event, open or session carries the install's source, or an open re-engagement's. */
function creditEvent(e: AppEvent, device: Device, settings: AppSettings): CreditStep {
  const counters: CounterIncrement[] = [];
  const re = device.reengagement;
  // Both edges inclusive: the click's own millisecond and exactly one re-engagement window after it.
  if (re && e.timestampMs >= re.touchTimeMs && e.timestampMs <= re.untilMs) {
    const ea = eventAttributionOf(e, device.deviceId, 'reengagement', re.source);
    const { network, campaign } = re.source;
    if (!re.counted) counters.push(counter(e, network, campaign, 'reengagements'));
    counters.push(counter(e, network, campaign, 'events'));
    if (e.revenue)
      counters.push(counter(e, network, campaign, 'revenue', e.revenue.amount, e.revenue.currency));
    if (re.counted) return { ea, device, counters };
    const attribution = reengagementOf(e, device, settings);
    const counted = { source: re.source, touchTimeMs: re.touchTimeMs, untilMs: re.untilMs, counted: true };
    return { ea, device: withReengagement(device, counted), attribution, counters };
  }
  const current = device.currentAttribution;
  let ea: EventAttribution;
  let network: string;
  let campaign: string | undefined;
  if (current?.status === 'attributed' && current.source) {
    ea = eventAttributionOf(e, device.deviceId, 'install', current.source);
    network = current.source.network;
    campaign = current.source.campaign;
  } else if (current?.status === 'organic') {
    ea = eventAttributionOf(e, device.deviceId, 'organic', undefined);
    network = 'organic';
  } else {
    ea = eventAttributionOf(e, device.deviceId, 'unattributed', undefined);
    network = 'unattributed';
  }
  counters.push(counter(e, network, campaign, 'events'));
  if (e.revenue)
    counters.push(counter(e, network, campaign, 'revenue', e.revenue.amount, e.revenue.currency));
  return { ea, device, counters };
}

/** A duplicate (same app and event id, SPEC §3) decides nothing; it returns the stored outcome when kept. */
function duplicateOf(p: PreparedEvent, ov: Overlay): RecordDecision {
  const previous = ov.seenEvents.has(p.eventKey)
    ? undefined
    : ov.snapshot.processedEventOutcomes?.get(p.eventKey);
  return {
    outcome: previous
      ? { index: p.index, status: 'duplicate', previous }
      : { index: p.index, status: 'duplicate' },
  };
}

/** Decides one app event over the batch's view and returns its outcome and unit of work. */
export function decideEvent(p: PreparedEvent, ov: Overlay, ctx: DecisionContext): RecordDecision {
  if (ov.isDuplicate(p.eventKey)) return duplicateOf(p, ov);
  ov.seenEvents.add(p.eventKey);
  const e = p.event;
  const settings = ctx.settingsFor(e.tenantId, e.appId);
  const resolution = resolveIdentity(e.tenantId, e.appId, p.ids, p.keys, ov, e.timestampMs, p.eventKey);
  const version = resolution.stored ? resolution.stored.version + 1 : 0;
  const resolved = resolution.device;
  let step: InstallStep | CreditStep;
  let countedIp = false;
  if ((e.type === 'install' || e.type === 'open') && resolved.installCount === 0) {
    countedIp = p.ipHourKey !== undefined;
    step = decideFirstInstall(p, ov, ctx, settings, resolved, explainIdentity(resolution));
  } else if (e.type === 'install') {
    countedIp = p.ipHourKey !== undefined;
    step = decideLaterInstall(p, ov, ctx, settings, resolved, explainIdentity(resolution));
  } else {
    step = creditEvent(e, resolved, settings);
  }
  // SPEC §4.1: activity is the device's events (any type); touchpoints never move it.
  const device = withActivity(step.device, Math.max(step.device.lastEventMs, e.timestampMs), version);
  ov.devices.set(device.deviceId, device);
  const linkCount = resolution.newLinks.length;
  let identifierLinks: UnitOfWork['identifierLinks'] = NONE;
  if (linkCount > 0) {
    const links = new Array<{ key: string; deviceId: string }>(linkCount);
    for (let i = 0; i < linkCount; i++) {
      const key = resolution.newLinks[i] as string;
      ov.links.set(key, device.deviceId);
      links[i] = { key, deviceId: device.deviceId };
    }
    identifierLinks = links;
  }
  const eventAttribution = 'ea' in step ? step.ea : undefined;
  const sourceId = ctx.sourceIds?.[p.index];
  const devices = [device];
  const attributions = step.attribution ? [step.attribution] : NONE;
  const eventAttributions = eventAttribution ? [eventAttribution] : NONE;
  const ipHourIncrements = countedIp ? [{ key: p.ipHourKey as string, delta: 1 }] : NONE;
  // Two literal shapes, not a conditional spread: this runs for every event.
  const unit: UnitOfWork =
    sourceId === undefined
      ? {
          recordIndex: p.index,
          eventKey: p.eventKey,
          devices,
          identifierLinks,
          touchpoints: NONE,
          attributions,
          eventAttributions,
          counters: step.counters,
          ipHourIncrements,
        }
      : {
          recordIndex: p.index,
          eventKey: p.eventKey,
          sourceId,
          devices,
          identifierLinks,
          touchpoints: NONE,
          attributions,
          eventAttributions,
          counters: step.counters,
          ipHourIncrements,
        };
  return { outcome: outcomeOf(p.index, step.attribution, eventAttribution), unit };
}

function outcomeOf(
  index: number,
  attribution: Attribution | undefined,
  eventAttribution: EventAttribution | undefined,
): RecordOutcome {
  if (attribution) {
    return eventAttribution
      ? { index, status: 'processed', attribution, eventAttribution }
      : { index, status: 'processed', attribution };
  }
  return eventAttribution ? { index, status: 'processed', eventAttribution } : { index, status: 'processed' };
}
