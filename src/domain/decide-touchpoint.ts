import { sourceOf } from './counters.js';
import { type DecisionContext, NONE, type RecordDecision } from './decision.js';
import { withReengagement } from './device.js';
import type { Overlay } from './overlay.js';
import type { PreparedTouchpoint } from './prepare.js';
import type { Touchpoint } from './records.js';
import { DAY_MS } from './settings.js';
import type { Device, UnitOfWork } from './store.js';

/**
 * Touchpoints: stored under every match key so a later install can find it. A retargeting click
 * (SPEC §4.1: one that says so) that reaches an installed device by a device id opens a re-engagement;
 * any other touchpoint that reaches an installed device is recorded and credits nothing.
 */

/** The installed device a retargeting click re-engages, or undefined. */
function reengagedDevice(p: PreparedTouchpoint, ov: Overlay): Device | undefined {
  const tp = p.touchpoint;
  if (tp.type !== 'click' || tp.retargeting !== true) return undefined;
  const device =
    (p.keys.adid === undefined ? undefined : ov.deviceByKey(p.keys.adid)) ??
    (p.keys.idfv === undefined ? undefined : ov.deviceByKey(p.keys.idfv));
  const installedAt = device?.currentAttribution?.installTimeMs;
  if (!device || installedAt === undefined || tp.timestampMs <= installedAt) return undefined;
  const open = device.reengagement;
  // The same click twice changes nothing; an older click than the open one does not replace it.
  if (open && (open.source.touchpointId === tp.id || tp.timestampMs < open.touchTimeMs)) return undefined;
  return device;
}

function reengage(device: Device, tp: Touchpoint, windowDays: number): Device {
  const reengagement = {
    source: sourceOf(tp),
    touchTimeMs: tp.timestampMs,
    untilMs: tp.timestampMs + windowDays * DAY_MS,
  };
  return withReengagement(device, reengagement, device.version + 1);
}

export function decideTouchpoint(p: PreparedTouchpoint, ov: Overlay, ctx: DecisionContext): RecordDecision {
  const tp = p.touchpoint;
  for (const key of p.matchKeys) ov.addTouchpoint(key, tp);
  let devices: readonly Device[] = NONE;
  const device = reengagedDevice(p, ov);
  if (device) {
    const next = reengage(device, tp, ctx.settingsFor(tp.tenantId, tp.appId).reengagementWindowDays);
    ov.devices.set(next.deviceId, next);
    devices = [next];
  }
  const unit: UnitOfWork = {
    recordIndex: p.index,
    devices,
    identifierLinks: NONE,
    touchpoints: [{ touchpoint: tp, keys: p.matchKeys }],
    attributions: NONE,
    eventAttributions: NONE,
    counters: NONE,
    ipHourIncrements: NONE,
  };
  return { outcome: { index: p.index, status: 'processed' }, unit };
}
