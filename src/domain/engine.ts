import type { Attribution, AttributionKind, EventAttribution, FraudFinding, Source } from './attribution.js';
import {
  describeSource,
  explainFraud,
  explainIdentity,
  explainMatch,
  explainVerdict,
  formatDuration,
  formatTime,
} from './explain.js';
import { DataCenterMatcher, type FraudCheck, runFraudChecks } from './fraud.js';
import {
  type DeviceIdentifiers,
  deviceIdentifiers,
  type IdentifierKeys,
  type IdentityResolution,
  type IdentityView,
  identifierKeysOf,
  resolveIdentity,
} from './identity.js';
import { clickIdKey, eventKey, ipHourKey, signatureKey } from './keys.js';
import {
  FOUND_BY_DEVICE_ID,
  FOUND_BY_REFERRER,
  FOUND_BY_SIGNATURE,
  MATCH_TYPE_OF_CLASS,
  type MatchResult,
  matchInstall,
  matchWindows,
} from './matching.js';
import type { AppEvent, PipelineRecord, Touchpoint } from './model.js';
import { computeCredits, EMPTY_CREDITS } from './models.js';
import { type AppSettings, DAY_MS } from './settings.js';
import { installSignatures, touchpointSignature } from './signature.js';
import type {
  AttributionStore,
  CounterIncrement,
  CounterMetric,
  Device,
  StoredEventOutcome,
  StoreLoadRequest,
  StoreSnapshot,
  UnitOfWork,
} from './store.js';

/** How the engine is configured. */
export interface EngineOptions {
  /** The app's resolved settings (SPEC §4 defaults for what it left out); called once per app per batch. */
  settingsFor(tenantId: string, appId: string): AppSettings | Promise<AppSettings>;
  /**
   * Operator-supplied data-centre CIDR ranges for fraud rule `data_center_ip`.
   * @default [] (the rule does not apply)
   */
  readonly dataCenterCidrs?: readonly string[];
}

export interface RecordOutcome {
  /** Index of the record in the batch. */
  readonly index: number;
  /** `duplicate`: the event was processed before (no writes); `failed`: its unit was not committed, retry it. */
  readonly status: 'processed' | 'duplicate' | 'failed';
  /** The install, reinstall, reattribution or re-engagement decision the record caused. */
  readonly attribution?: Attribution;
  /** How an in-app event, open or session was credited. */
  readonly eventAttribution?: EventAttribution;
  /**
   * Of a `duplicate`: what the event's earlier commit recorded, when the store kept it. Its `sourceId`
   * equal to this record's source means this is a redelivery of the very record that was committed.
   */
  readonly previous?: StoredEventOutcome;
}

export interface BatchResult {
  readonly outcomes: RecordOutcome[];
  /** Indexes of records to retry (Kinesis partial batch failure). */
  readonly failedRecordIndexes: number[];
}

/** What the pure decision needs besides the records and the snapshot. */
export interface DecisionContext {
  settingsFor(tenantId: string, appId: string): AppSettings;
  readonly dataCenter?: DataCenterMatcher;
  /** Identity of each input record by batch index, kept with its event's marker (`UnitOfWork.sourceId`). */
  readonly sourceIds?: readonly (string | undefined)[];
}

export interface BatchDecision {
  readonly outcomes: RecordOutcome[];
  readonly units: UnitOfWork[];
}

interface PreparedEvent {
  readonly kind: 'event';
  readonly index: number;
  readonly event: AppEvent;
  readonly ids: DeviceIdentifiers;
  readonly keys: IdentifierKeys;
  readonly eventKey: string;
  /** For install and open events: the referrer click key, then the signature keys. */
  readonly referrerKey: string | undefined;
  readonly signatureKeys: readonly string[];
  readonly ipHourKey: string | undefined;
}

interface PreparedTouchpoint {
  readonly kind: 'touchpoint';
  readonly index: number;
  readonly touchpoint: Touchpoint;
  readonly keys: IdentifierKeys;
  readonly matchKeys: readonly string[];
}

export type PreparedRecord = PreparedEvent | PreparedTouchpoint;

const NO_KEYS: readonly string[] = [];
/** The empty list every unit shares for what it does not write (frozen: never written to). */
const NONE: readonly never[] = Object.freeze([]);

/** Normalises identifiers and computes every key of each record once, for loading and for deciding. */
export function prepareBatch(records: readonly PipelineRecord[]): PreparedRecord[] {
  const out = new Array<PreparedRecord>(records.length);
  for (let index = 0; index < records.length; index++) {
    const r = records[index] as PipelineRecord;
    if (r.kind === 'touchpoint') {
      const tp = r.touchpoint;
      const keys = identifierKeysOf(tp.tenantId, tp.appId, deviceIdentifiers(tp));
      // The same keys, in the same order, as `touchpointMatchKeys(tp)`, without normalising twice.
      const matchKeys = tp.type === 'click' ? [clickIdKey(tp.tenantId, tp.appId, tp.id)] : [];
      if (keys.adid !== undefined) matchKeys.push(keys.adid);
      if (keys.idfv !== undefined) matchKeys.push(keys.idfv);
      const signature = touchpointSignature(tp);
      if (signature !== undefined) matchKeys.push(signatureKey(tp.tenantId, tp.appId, signature));
      out[index] = { kind: 'touchpoint', index, touchpoint: tp, keys, matchKeys };
      continue;
    }
    const e = r.event;
    const ids = deviceIdentifiers(e);
    const keys = identifierKeysOf(e.tenantId, e.appId, ids);
    const mayInstall = e.type === 'install' || e.type === 'open';
    let signatureKeys = NO_KEYS;
    if (mayInstall && e.ip !== undefined) {
      const sigs = installSignatures(e);
      signatureKeys = sigs.map((s) => signatureKey(e.tenantId, e.appId, s));
    }
    // Plain optional properties (not conditional spreads): this runs once per record on the hot path.
    out[index] = {
      kind: 'event',
      index,
      event: e,
      ids,
      keys,
      eventKey: eventKey(e.tenantId, e.appId, e.eventId),
      referrerKey:
        mayInstall && e.referrerClickId !== undefined
          ? clickIdKey(e.tenantId, e.appId, e.referrerClickId)
          : undefined,
      signatureKeys,
      ipHourKey:
        mayInstall && e.ip !== undefined ? ipHourKey(e.tenantId, e.appId, e.ip, e.timestampMs) : undefined,
    };
  }
  return out;
}

/** Every key a batch needs, each once: the argument of the one `store.load` call. */
export function collectKeys(prepared: readonly PreparedRecord[]): StoreLoadRequest {
  const deviceKeys = new Set<string>();
  const touchpointKeys = new Set<string>();
  const eventKeys = new Set<string>();
  const ipHourKeys = new Set<string>();
  for (const p of prepared) {
    if (p.keys.adid !== undefined) deviceKeys.add(p.keys.adid);
    if (p.keys.idfv !== undefined) deviceKeys.add(p.keys.idfv);
    if (p.kind === 'touchpoint') continue;
    if (p.keys.cuid !== undefined) deviceKeys.add(p.keys.cuid);
    eventKeys.add(p.eventKey);
    if (p.event.type !== 'install' && p.event.type !== 'open') continue;
    if (p.keys.adid !== undefined) touchpointKeys.add(p.keys.adid);
    if (p.keys.idfv !== undefined) touchpointKeys.add(p.keys.idfv);
    if (p.referrerKey !== undefined) touchpointKeys.add(p.referrerKey);
    for (const k of p.signatureKeys) touchpointKeys.add(k);
    if (p.ipHourKey !== undefined) ipHourKeys.add(p.ipHourKey);
  }
  return {
    deviceKeys: [...deviceKeys],
    touchpointKeys: [...touchpointKeys],
    eventKeys: [...eventKeys],
    ipHourKeys: [...ipHourKeys],
  };
}

/** The batch's working view: the snapshot plus every decision made so far in the batch. */
class Overlay implements IdentityView {
  readonly links = new Map<string, string>();
  readonly devices = new Map<string, Device>();
  /** Touchpoint lists changed in this batch (owned, mutable); others are read from the snapshot. */
  private readonly ownTouchpoints = new Map<string, Touchpoint[]>();
  readonly seenEvents = new Set<string>();
  readonly ipCounts: Map<string, number>;

  constructor(readonly snapshot: StoreSnapshot) {
    for (const [key, device] of snapshot.devices) {
      this.links.set(key, device.deviceId);
      const known = this.devices.get(device.deviceId);
      if (!known || known.version < device.version) this.devices.set(device.deviceId, device);
    }
    this.ipCounts = new Map(snapshot.ipInstallCounts);
  }

  deviceByKey(key: string): Device | undefined {
    const id = this.links.get(key);
    return id === undefined ? undefined : this.devices.get(id);
  }

  touchpointsAt(key: string): readonly Touchpoint[] | undefined {
    return this.ownTouchpoints.get(key) ?? this.snapshot.touchpoints.get(key);
  }

  isDuplicate(key: string): boolean {
    return this.snapshot.processedEvents.has(key) || this.seenEvents.has(key);
  }

  addTouchpoint(key: string, tp: Touchpoint): void {
    const own = this.ownTouchpoints.get(key);
    if (own) {
      for (let i = 0; i < own.length; i++) if ((own[i] as Touchpoint).id === tp.id) return;
      own.push(tp);
      return;
    }
    const loaded = this.snapshot.touchpoints.get(key);
    if (!loaded) {
      this.ownTouchpoints.set(key, [tp]);
      return;
    }
    for (let i = 0; i < loaded.length; i++) if ((loaded[i] as Touchpoint).id === tp.id) return;
    const copy = loaded.slice();
    copy.push(tp);
    this.ownTouchpoints.set(key, copy);
  }
}

const dayCache = new Map<number, string>();
function utcDay(ms: number): string {
  const n = Math.floor(ms / DAY_MS);
  let day = dayCache.get(n);
  if (day === undefined) {
    day = new Date(n * DAY_MS).toISOString().slice(0, 10);
    if (dayCache.size > 5_000) dayCache.clear();
    dayCache.set(n, day);
  }
  return day;
}

const NO_CAMPAIGN = '(none)';

function counter(
  e: AppEvent,
  network: string,
  campaign: string | undefined,
  metric: CounterMetric,
  value = 1,
  currency?: string,
): CounterIncrement {
  const day = utcDay(e.timestampMs);
  const c = campaign ?? NO_CAMPAIGN;
  return currency === undefined
    ? { tenantId: e.tenantId, appId: e.appId, day, network, campaign: c, metric, value }
    : { tenantId: e.tenantId, appId: e.appId, day, network, campaign: c, metric, value, currency };
}

function sourceOf(tp: Touchpoint): Source {
  const s: { -readonly [K in keyof Source]: Source[K] } = { touchpointId: tp.id, network: tp.network };
  if (tp.campaign !== undefined) s.campaign = tp.campaign;
  if (tp.adset !== undefined) s.adset = tp.adset;
  if (tp.ad !== undefined) s.ad = tp.ad;
  if (tp.networkClickId !== undefined) s.networkClickId = tp.networkClickId;
  return s;
}

interface FoundEntry {
  touchpoint: Touchpoint;
  foundBy: number;
}

function gatherKey(found: FoundEntry[], list: readonly Touchpoint[] | undefined, flag: number): void {
  if (list === undefined) return;
  for (let i = 0; i < list.length; i++) {
    const touchpoint = list[i] as Touchpoint;
    let entry: FoundEntry | undefined;
    for (let j = 0; j < found.length; j++) {
      const f = found[j] as FoundEntry;
      if (f.touchpoint.id === touchpoint.id) {
        entry = f;
        break;
      }
    }
    if (entry) entry.foundBy |= flag;
    else found.push({ touchpoint, foundBy: flag });
  }
}

/** Every touchpoint found through the install's keys, each once (first found first), with how. */
function gather(p: PreparedEvent, ov: Overlay): FoundEntry[] {
  const found: FoundEntry[] = [];
  if (p.referrerKey !== undefined) gatherKey(found, ov.touchpointsAt(p.referrerKey), FOUND_BY_REFERRER);
  if (p.keys.adid !== undefined) gatherKey(found, ov.touchpointsAt(p.keys.adid), FOUND_BY_DEVICE_ID);
  if (p.keys.idfv !== undefined) gatherKey(found, ov.touchpointsAt(p.keys.idfv), FOUND_BY_DEVICE_ID);
  for (const k of p.signatureKeys) gatherKey(found, ov.touchpointsAt(k), FOUND_BY_SIGNATURE);
  return found;
}

interface InstallDecision {
  readonly attribution: Attribution;
  readonly counters: CounterIncrement[];
}

/** Install or reattribution: match, run fraud checks, compute credits, explain. */
function decideAttribution(
  p: PreparedEvent,
  _ov: Overlay,
  settings: AppSettings,
  ctx: DecisionContext,
  device: Device,
  match: MatchResult,
  kind: 'install' | 'reattribution',
  headLines: string[],
  installsFromIp: number,
): InstallDecision {
  const e = p.event;
  const winner = match.winner;
  const lines = headLines;
  for (const l of explainMatch(match, 'Rule 2 (precedence)')) lines.push(l);
  let status: Attribution['status'] = 'organic';
  let fraud: FraudFinding[] = [];
  let checks: FraudCheck[] | undefined;
  if (winner) {
    // One fixed shape (absent values undefined), not conditional spreads: this runs for every install.
    checks = runFraudChecks({
      settings,
      winner,
      installTimeMs: e.timestampMs,
      installBeginMs: e.installBeginMs,
      malformedAdvertisingId: p.ids.malformedAdvertisingId,
      userAgent: e.userAgent,
      ip: e.ip,
      installsFromIpThisHour: installsFromIp,
      dataCenter: ctx.dataCenter,
    });
    let rejected = false;
    for (const c of checks) {
      if (c.finding) {
        fraud.push(c.finding);
        if (c.finding.mode === 'reject') rejected = true;
      }
    }
    status = rejected ? 'rejected' : 'attributed';
    for (const l of explainFraud(checks)) lines.push(l);
  } else {
    lines.push('Fraud checks: not run; an organic install has no network to pay.');
    fraud = [];
  }
  const source = winner ? sourceOf(winner.touchpoint) : undefined;
  lines.push(explainVerdict(status, source, fraud));
  flattenLines(lines);
  const credits = status === 'rejected' ? EMPTY_CREDITS : computeCredits(match.qualifying, winner, settings);
  const attribution: Attribution =
    winner && source
      ? {
          tenantId: e.tenantId,
          appId: e.appId,
          deviceId: device.deviceId,
          eventId: e.eventId,
          status,
          kind,
          source,
          match: MATCH_TYPE_OF_CLASS[winner.cls],
          touchTimeMs: winner.touchpoint.timestampMs,
          ctitSeconds: winner.ageMs / 1000,
          installTimeMs: e.timestampMs,
          fraud,
          credits,
          explanation: lines,
        }
      : {
          tenantId: e.tenantId,
          appId: e.appId,
          deviceId: device.deviceId,
          eventId: e.eventId,
          status,
          kind,
          match: 'none',
          installTimeMs: e.timestampMs,
          fraud,
          credits,
          explanation: lines,
        };
  const network = source?.network ?? 'organic';
  const campaign = source?.campaign;
  const counters: CounterIncrement[] = [];
  if (status === 'rejected') counters.push(counter(e, network, campaign, 'rejected'));
  else {
    counters.push(counter(e, network, campaign, kind === 'install' ? 'installs' : 'reattributions'));
    if (status === 'organic') counters.push(counter(e, network, campaign, 'organic'));
    else if (fraud.length > 0) counters.push(counter(e, network, campaign, 'flagged'));
  }
  return { attribution, counters };
}

/** Counts the install against its IP and hour; returns the count, this install included (0 without an IP). */
function countIpInstall(p: PreparedEvent, ov: Overlay): number {
  if (p.ipHourKey === undefined) return 0;
  const n = (ov.ipCounts.get(p.ipHourKey) ?? 0) + 1;
  ov.ipCounts.set(p.ipHourKey, n);
  return n;
}

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

function creditEvent(
  e: AppEvent,
  device: Device,
  settings: AppSettings,
): {
  ea: EventAttribution;
  device: Device;
  attribution?: Attribution;
  counters: CounterIncrement[];
} {
  const counters: CounterIncrement[] = [];
  const re = device.reengagement;
  // Both edges inclusive: the click's own millisecond and exactly one re-engagement window after it.
  if (re && e.timestampMs >= re.touchTimeMs && e.timestampMs <= re.untilMs) {
    const ea = eventAttributionOf(e, device.deviceId, 'reengagement', re.source);
    let attribution: Attribution | undefined;
    let next = device;
    if (!re.counted) {
      next = { ...device, reengagement: { ...re, counted: true } };
      counters.push(counter(e, re.source.network, re.source.campaign, 'reengagements'));
      const only = [{ touchpointId: re.source.touchpointId, network: re.source.network, credit: 1 }];
      const installedAt = device.currentAttribution?.installTimeMs;
      attribution = {
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
        credits: {
          last_touch: only,
          first_touch: only,
          linear: only,
          time_decay: only,
          position_based: only,
        },
        explanation: [
          `Rule 5 (re-engagement): retargeting click ${re.source.touchpointId} (${describeSource(re.source)}) reached device ${device.deviceId} after its install${installedAt === undefined ? '' : ` of ${formatTime(installedAt)}`}.`,
          `Event "${e.type}" came ${formatDuration(e.timestampMs - re.touchTimeMs)} after the click, inside the ${settings.reengagementWindowDays} d re-engagement window: counted as one re-engagement; the device's events until ${formatTime(re.untilMs)} are credited to it.`,
        ],
      };
    }
    counters.push(counter(e, re.source.network, re.source.campaign, 'events'));
    if (e.revenue) {
      counters.push(
        counter(e, re.source.network, re.source.campaign, 'revenue', e.revenue.amount, e.revenue.currency),
      );
    }
    return attribution ? { ea, device: next, attribution, counters } : { ea, device: next, counters };
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

/**
 * Makes each line one flat string. Template literals build a tree of string pieces (V8 cons strings),
 * several objects per line; an attribution keeps its explanation as long as the device lives, so the
 * lines are flattened (reading a character flattens a cons string in place) while they are still young:
 * far less memory is then retained and copied by the garbage collector.
 */
function flattenLines(lines: string[]): void {
  for (let i = 0; i < lines.length; i++) (lines[i] as string).charCodeAt(0);
}

/** A reinstall credited to the device's first source (or organic); absent values are left out. */
function reinstallOf(
  e: AppEvent,
  deviceId: string,
  first: Attribution | undefined,
  explanation: string[],
): Attribution {
  const source = first?.source;
  const touchTimeMs = first?.touchTimeMs;
  const status = first?.status ?? 'organic';
  const match = first?.match ?? 'none';
  const fraud = first?.fraud ?? NONE;
  const credits = first?.credits ?? EMPTY_CREDITS;
  if (source !== undefined && touchTimeMs !== undefined) {
    return {
      tenantId: e.tenantId,
      appId: e.appId,
      deviceId,
      eventId: e.eventId,
      status,
      kind: 'reinstall',
      source,
      match,
      touchTimeMs,
      installTimeMs: e.timestampMs,
      fraud,
      credits,
      explanation,
    };
  }
  const a: { -readonly [K in keyof Attribution]: Attribution[K] } = {
    tenantId: e.tenantId,
    appId: e.appId,
    deviceId,
    eventId: e.eventId,
    status,
    kind: 'reinstall',
    match,
    installTimeMs: e.timestampMs,
    fraud,
    credits,
    explanation,
  };
  if (source !== undefined) a.source = source;
  if (touchTimeMs !== undefined) a.touchTimeMs = touchTimeMs;
  return a;
}

const MIN_KINDS: Readonly<Record<AttributionKind, string>> = {
  install: 'Rule 1 (install)',
  reinstall: 'Rule 4 (reinstall)',
  reattribution: 'Rule 4 (reattribution)',
  reengagement: 'Rule 5 (re-engagement)',
};

function decideEvent(
  p: PreparedEvent,
  ov: Overlay,
  ctx: DecisionContext,
): { outcome: RecordOutcome; unit?: UnitOfWork } {
  const e = p.event;
  if (ov.isDuplicate(p.eventKey)) {
    const previous = ov.seenEvents.has(p.eventKey)
      ? undefined
      : ov.snapshot.processedEventOutcomes?.get(p.eventKey);
    return {
      outcome: previous
        ? { index: p.index, status: 'duplicate', previous }
        : { index: p.index, status: 'duplicate' },
    };
  }
  ov.seenEvents.add(p.eventKey);
  const settings = ctx.settingsFor(e.tenantId, e.appId);
  const resolution: IdentityResolution = resolveIdentity(
    e.tenantId,
    e.appId,
    p.ids,
    p.keys,
    ov,
    e.timestampMs,
    p.eventKey,
  );
  let device = resolution.device;
  let attribution: Attribution | undefined;
  let eventAttribution: EventAttribution | undefined;
  let counters: CounterIncrement[];
  let countedIp = false;
  const version = resolution.stored ? resolution.stored.version + 1 : 0;
  const isInstallType = e.type === 'install' || e.type === 'open';

  if (isInstallType && device.installCount === 0) {
    // Rule 1: the device's first install (or, failing one, its first open) is its install.
    const ipCount = countIpInstall(p, ov);
    countedIp = p.ipHourKey !== undefined;
    const match = matchInstall(gather(p, ov), e.timestampMs, e.referrerClickId, matchWindows(settings));
    const head = [
      explainIdentity(resolution),
      `${MIN_KINDS.install}: first ${e.type === 'install' ? 'install' : 'open (no install event seen)'} of device ${device.deviceId}, at ${formatTime(e.timestampMs)}.`,
    ];
    const d = decideAttribution(p, ov, settings, ctx, device, match, 'install', head, ipCount);
    attribution = d.attribution;
    counters = d.counters;
    device = {
      ...device,
      installCount: device.installCount + 1,
      firstAttribution: attribution,
      currentAttribution: attribution,
      lastEventMs: Math.max(device.lastEventMs, e.timestampMs),
      version,
    };
  } else if (e.type === 'install') {
    // Rule 4: a later install of a known device.
    const ipCount = countIpInstall(p, ov);
    countedIp = p.ipHourKey !== undefined;
    const first = device.firstAttribution;
    const inactiveMs = e.timestampMs - device.lastEventMs;
    const windowMs = settings.reattributionWindowDays * DAY_MS;
    const head = [explainIdentity(resolution)];
    let reattributed: InstallDecision | undefined;
    if (inactiveMs >= windowMs) {
      const match = matchInstall(
        gather(p, ov),
        e.timestampMs,
        e.referrerClickId,
        matchWindows(settings),
        first?.source?.touchpointId,
      );
      if (match.winner) {
        head.push(
          `${MIN_KINDS.reattribution}: device ${device.deviceId} was inactive ${formatDuration(inactiveMs)} (at least the ${settings.reattributionWindowDays} d reattribution window) and a new touchpoint qualifies, at ${formatTime(e.timestampMs)}.`,
        );
        reattributed = decideAttribution(p, ov, settings, ctx, device, match, 'reattribution', head, ipCount);
      } else {
        head.push(
          `${MIN_KINDS.reinstall}: device ${device.deviceId} was inactive ${formatDuration(inactiveMs)} (at least the ${settings.reattributionWindowDays} d reattribution window) but no new touchpoint qualifies.`,
        );
        for (const l of explainMatch(match, 'Rule 2 (precedence, new source)')) head.push(l);
      }
    } else {
      head.push(
        `${MIN_KINDS.reinstall}: device ${device.deviceId} was installed before and was last active ${formatDuration(inactiveMs)} ago, under the ${settings.reattributionWindowDays} d reattribution window (${formatDuration(windowMs - inactiveMs)} short).`,
      );
    }
    if (reattributed) {
      attribution = reattributed.attribution;
      counters = reattributed.counters;
    } else {
      head.push(
        first?.source
          ? `Result: reinstall credited to the first source, ${describeSource(first.source)} (${first.status}).`
          : 'Result: reinstall credited to the first source: organic.',
      );
      flattenLines(head);
      attribution = reinstallOf(e, device.deviceId, first, head);
      const network = first?.source?.network ?? 'organic';
      counters = [counter(e, network, first?.source?.campaign, 'reinstalls')];
    }
    device = {
      ...device,
      installCount: device.installCount + 1,
      currentAttribution: attribution,
      lastEventMs: Math.max(device.lastEventMs, e.timestampMs),
      version,
    };
  } else {
    // Rule 5: in-app events, opens and sessions carry the install's source or a re-engagement's.
    const credited = creditEvent(e, device, settings);
    eventAttribution = credited.ea;
    attribution = credited.attribution;
    counters = credited.counters;
    device = {
      ...credited.device,
      lastEventMs: Math.max(credited.device.lastEventMs, e.timestampMs),
      version,
    };
  }

  ov.devices.set(device.deviceId, device);
  const identifierLinks = new Array<{ key: string; deviceId: string }>(resolution.newLinks.length);
  for (let i = 0; i < resolution.newLinks.length; i++) {
    const key = resolution.newLinks[i] as string;
    ov.links.set(key, device.deviceId);
    identifierLinks[i] = { key, deviceId: device.deviceId };
  }
  const sourceId = ctx.sourceIds?.[p.index];
  const unit: UnitOfWork = {
    recordIndex: p.index,
    eventKey: p.eventKey,
    ...(sourceId === undefined ? {} : { sourceId }),
    devices: [device],
    identifierLinks,
    touchpoints: NONE,
    attributions: attribution ? [attribution] : NONE,
    eventAttributions: eventAttribution ? [eventAttribution] : NONE,
    counters,
    ipHourIncrements: countedIp ? [{ key: p.ipHourKey as string, delta: 1 }] : NONE,
  };
  const outcome: RecordOutcome = attribution
    ? eventAttribution
      ? { index: p.index, status: 'processed', attribution, eventAttribution }
      : { index: p.index, status: 'processed', attribution }
    : eventAttribution
      ? { index: p.index, status: 'processed', eventAttribution }
      : { index: p.index, status: 'processed' };
  return { outcome, unit };
}

function decideTouchpoint(
  p: PreparedTouchpoint,
  ov: Overlay,
  ctx: DecisionContext,
): { outcome: RecordOutcome; unit: UnitOfWork } {
  const tp = p.touchpoint;
  for (const key of p.matchKeys) ov.addTouchpoint(key, tp);
  let devices: readonly Device[] = NONE;
  // A click that reaches an already-installed device (by device id) is a retargeting click.
  if (tp.type === 'click') {
    const device =
      (p.keys.adid === undefined ? undefined : ov.deviceByKey(p.keys.adid)) ??
      (p.keys.idfv === undefined ? undefined : ov.deviceByKey(p.keys.idfv));
    const installedAt = device?.currentAttribution?.installTimeMs;
    if (
      device &&
      installedAt !== undefined &&
      tp.timestampMs > installedAt &&
      device.reengagement?.source.touchpointId !== tp.id &&
      (!device.reengagement || tp.timestampMs >= device.reengagement.touchTimeMs)
    ) {
      const settings = ctx.settingsFor(tp.tenantId, tp.appId);
      const next: Device = {
        ...device,
        reengagement: {
          source: sourceOf(tp),
          touchTimeMs: tp.timestampMs,
          untilMs: tp.timestampMs + settings.reengagementWindowDays * DAY_MS,
        },
        version: device.version + 1,
      };
      ov.devices.set(next.deviceId, next);
      devices = [next];
    }
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

/**
 * The pure, synchronous heart of the engine: decides every record of a batch in order over the
 * snapshot, each record seeing the ones before it (a click then an install in one batch), and returns
 * one outcome per record and one unit of work per non-duplicate record. Same input, same output.
 */
export function decideBatch(
  prepared: readonly PreparedRecord[],
  snapshot: StoreSnapshot,
  ctx: DecisionContext,
): BatchDecision {
  const ov = new Overlay(snapshot);
  const outcomes = new Array<RecordOutcome>(prepared.length);
  const units: UnitOfWork[] = [];
  for (let i = 0; i < prepared.length; i++) {
    const p = prepared[i] as PreparedRecord;
    const r = p.kind === 'event' ? decideEvent(p, ov, ctx) : decideTouchpoint(p, ov, ctx);
    outcomes[i] = r.outcome;
    if (r.unit) units.push(r.unit);
  }
  return { outcomes, units };
}

/** Settings keyed by tenant and app, resolved once per batch. */
async function resolveBatchSettings(
  records: readonly PipelineRecord[],
  settingsFor: EngineOptions['settingsFor'],
): Promise<(tenantId: string, appId: string) => AppSettings> {
  const byApp = new Map<string, Map<string, AppSettings>>();
  let lastTenant: string | undefined;
  let lastApp: string | undefined;
  for (const r of records) {
    const scoped = r.kind === 'event' ? r.event : r.touchpoint;
    const tenantId = scoped.tenantId;
    const appId = scoped.appId;
    // Records of a batch mostly share one app: skip the look-ups while it repeats.
    if (tenantId === lastTenant && appId === lastApp) continue;
    lastTenant = tenantId;
    lastApp = appId;
    let apps = byApp.get(tenantId);
    if (!apps) {
      apps = new Map();
      byApp.set(tenantId, apps);
    }
    if (!apps.has(appId)) apps.set(appId, await settingsFor(tenantId, appId));
  }
  if (byApp.size === 1 && lastTenant !== undefined && lastApp !== undefined) {
    const only = byApp.get(lastTenant)?.get(lastApp);
    if (only && byApp.get(lastTenant)?.size === 1) {
      const onlyTenant = lastTenant;
      const onlyApp = lastApp;
      return (tenantId, appId) => {
        if (tenantId === onlyTenant && appId === onlyApp) return only;
        throw new Error(`no settings resolved for tenant ${tenantId}, app ${appId}`);
      };
    }
  }
  return (tenantId, appId) => {
    const s = byApp.get(tenantId)?.get(appId);
    if (!s) throw new Error(`no settings resolved for tenant ${tenantId}, app ${appId}`);
    return s;
  };
}

/**
 * The attribution engine: one `load`, an in-memory decision over the whole batch, one `commit`.
 * @example
 * const engine = new AttributionEngine(store, { settingsFor: (t, a) => settingsRepo.get(t, a) });
 * const { failedRecordIndexes } = await engine.processBatch(records);
 */
export class AttributionEngine {
  private readonly dataCenter?: DataCenterMatcher;

  constructor(
    private readonly store: AttributionStore,
    private readonly options: EngineOptions,
  ) {
    const cidrs = options.dataCenterCidrs ?? [];
    if (cidrs.length > 0) this.dataCenter = new DataCenterMatcher(cidrs);
  }

  /**
   * @param sourceIds identity of each record's input (e.g. its stream record), by index, kept with the
   *   event's marker so a redelivery of that same input gets the stored decision back (`previous`).
   */
  async processBatch(
    records: readonly PipelineRecord[],
    sourceIds?: readonly (string | undefined)[],
  ): Promise<BatchResult> {
    if (records.length === 0) return { outcomes: [], failedRecordIndexes: [] };
    const settingsFor = await resolveBatchSettings(records, this.options.settingsFor);
    const prepared = prepareBatch(records);
    const snapshot = await this.store.load(collectKeys(prepared));
    const base: DecisionContext = this.dataCenter
      ? { settingsFor, dataCenter: this.dataCenter }
      : { settingsFor };
    const ctx: DecisionContext = sourceIds ? { ...base, sourceIds } : base;
    const { outcomes, units } = decideBatch(prepared, snapshot, ctx);
    const { failedRecordIndexes } = await this.store.commit(units);
    if (failedRecordIndexes.length === 0) return { outcomes, failedRecordIndexes: [] };
    const failed = new Set(failedRecordIndexes);
    return {
      outcomes: outcomes.map((o) => (failed.has(o.index) ? { index: o.index, status: 'failed' } : o)),
      failedRecordIndexes: [...failed].sort((a, b) => a - b),
    };
  }
}
