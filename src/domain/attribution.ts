import type { FraudMode, FraudReason } from './settings.js';

/** SPEC §3 attribution answer vocabulary. `pending` exists only at the API (event not processed yet). */
export type AttributionStatus = 'attributed' | 'organic' | 'rejected';
export type AttributionKind = 'install' | 'reinstall' | 'reattribution' | 'reengagement';
export type MatchType = 'click_id' | 'device_id' | 'probabilistic' | 'view_through' | 'none';

export const MODEL_NAMES = ['last_touch', 'first_touch', 'linear', 'time_decay', 'position_based'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** Where an install (or re-engagement) came from. */
export interface Source {
  readonly touchpointId: string;
  readonly network: string;
  readonly campaign?: string;
  readonly adset?: string;
  readonly ad?: string;
  /** The network's own click id of the winning touchpoint, for partner postbacks. */
  readonly networkClickId?: string;
}

export interface ModelCredit {
  readonly touchpointId: string;
  readonly network: string;
  readonly campaign?: string;
  /** Share of the conversion, 0..1; a model's credits sum to 1. */
  readonly credit: number;
}

export type Credits = Readonly<Record<ModelName, readonly ModelCredit[]>>;

/** One fraud rule's verdict on an install. */
export interface FraudFinding {
  readonly reason: FraudReason;
  readonly mode: FraudMode;
  /** Human-readable detail: `click-to-install time 3 s is under the 10 s threshold`. */
  readonly detail: string;
}

/** The decision for one install, reinstall or reattribution (SPEC §3 attribution answer). */
export interface Attribution {
  readonly tenantId: string;
  readonly appId: string;
  readonly deviceId: string;
  /** The install (or open) event that triggered the decision. */
  readonly eventId: string;
  readonly status: AttributionStatus;
  readonly kind: AttributionKind;
  /** The winner; a rejected install still names the source it was rejected for. */
  readonly source?: Source;
  readonly match: MatchType;
  readonly touchTimeMs?: number;
  readonly installTimeMs: number;
  readonly ctitSeconds?: number;
  readonly fraud: readonly FraudFinding[];
  readonly credits: Credits;
  /** One line per rule applied: the rule that fired, the winner, each candidate it beat and why. */
  readonly explanation: readonly string[];
}

/** How one in-app event (or open/session) was credited. */
export interface EventAttribution {
  readonly tenantId: string;
  readonly appId: string;
  readonly deviceId: string;
  readonly eventId: string;
  readonly type: string;
  readonly timestampMs: number;
  /** `install`: the install's source; `reengagement`: a retargeting click re-credited it. */
  readonly creditedAs: 'install' | 'reengagement' | 'organic' | 'unattributed';
  readonly source?: Source;
  readonly revenue?: { readonly amount: number; readonly currency: string };
}
