import type { Attribution, ModelCredit, ModelName } from './attribution.js';
import { MODEL_NAMES } from './attribution.js';
import type { Device } from './store.js';

/** SPEC §3 attribution answer, exactly as the look-up route returns it (snake_case, ISO times). */
export interface AttributionResponse {
  readonly status: Attribution['status'];
  readonly kind: Attribution['kind'];
  readonly network: string | null;
  readonly campaign: string | null;
  readonly adset: string | null;
  readonly ad: string | null;
  readonly match: Attribution['match'];
  readonly touch_time: string | null;
  readonly install_time: string;
  readonly ctit_seconds: number | null;
  /** Fraud reasons, when rejected or flagged. */
  readonly fraud: readonly string[];
  readonly credits: Readonly<
    Record<
      ModelName,
      readonly { touchpoint_id: string; network: string; campaign: string | null; credit: number }[]
    >
  >;
  readonly explanation: readonly string[];
  /** SPEC §4.1: present only while a re-engagement is open; `kind` stays the install's. */
  readonly reengagement?: ReengagementResponse;
}

export interface ReengagementResponse {
  readonly network: string;
  readonly campaign: string | null;
  readonly touch_time: string;
  /** Inclusive end of the re-engagement window. */
  readonly until: string;
}

export interface PresentOptions {
  /** The device's re-engagement, if any. */
  readonly reengagement?: Device['reengagement'];
  /**
   * The clock the answer is given at: a re-engagement is open while `nowMs` is at or before its end.
   * @default any re-engagement given is shown
   */
  readonly nowMs?: number;
}

const presentCredit = (c: ModelCredit) => ({
  touchpoint_id: c.touchpointId,
  network: c.network,
  campaign: c.campaign ?? null,
  credit: c.credit,
});

/**
 * Maps a stored decision to the SPEC §3 answer. Absent values are `null`, so the shape never changes.
 * @example
 * return json(200, presentAttribution(device.currentAttribution));
 */
export function presentAttribution(a: Attribution, options: PresentOptions = {}): AttributionResponse {
  const credits = {} as Record<ModelName, ReturnType<typeof presentCredit>[]>;
  for (const model of MODEL_NAMES) credits[model] = a.credits[model].map(presentCredit);
  return {
    status: a.status,
    kind: a.kind,
    network: a.source?.network ?? null,
    campaign: a.source?.campaign ?? null,
    adset: a.source?.adset ?? null,
    ad: a.source?.ad ?? null,
    match: a.match,
    touch_time: a.touchTimeMs === undefined ? null : new Date(a.touchTimeMs).toISOString(),
    install_time: new Date(a.installTimeMs).toISOString(),
    ctit_seconds: a.ctitSeconds ?? null,
    fraud: a.fraud.map((f) => f.reason),
    credits,
    explanation: a.explanation,
    ...presentReengagement(options),
  };
}

function presentReengagement(options: PresentOptions): { reengagement?: ReengagementResponse } {
  const re = options.reengagement;
  if (!re || (options.nowMs !== undefined && options.nowMs > re.untilMs)) return {};
  return {
    reengagement: {
      network: re.source.network,
      campaign: re.source.campaign ?? null,
      touch_time: new Date(re.touchTimeMs).toISOString(),
      until: new Date(re.untilMs).toISOString(),
    },
  };
}
