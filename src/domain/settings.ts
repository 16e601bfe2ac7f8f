import * as z from 'zod';
import { IP_HANDLING, type IpHandling } from './ip-privacy.js';

/** The fraud rules the engine runs; each name is the machine-readable reason it reports. */
export const FRAUD_REASONS = [
  'click_injection',
  'malformed_advertising_id',
  'bot_user_agent',
  'install_rate_per_ip',
  'data_center_ip',
] as const;
export type FraudReason = (typeof FRAUD_REASONS)[number];

/** `reject` makes the install `rejected`; `flag` keeps the attribution and marks it. */
export type FraudMode = 'reject' | 'flag';

/**
 * The highest `rateLimitPerSecond`: the most the ingest stage's throttle may be configured to. The
 * usage counters are leased over sharded items (`src/http/limits.ts`), so an item's writes follow the
 * API instances, not the limit; the cap was 1,000 while each window was one item.
 */
export const MAX_RATE_LIMIT_PER_SECOND = 100_000;

const hours = (max: number) => z.number().positive().max(max);

const fraudModes = z
  .object(
    Object.fromEntries(
      FRAUD_REASONS.map((reason) => [reason, z.enum(['reject', 'flag']).optional()]),
    ) as Record<FraudReason, z.ZodOptional<z.ZodEnum<{ reject: 'reject'; flag: 'flag' }>>>,
  )
  .strict();

/**
 * Per-app attribution settings (SPEC §4). Every field is optional on input: what is left out takes the
 * SPEC default. Changeable live through the app settings call.
 */
export const AppSettingsInputSchema = z
  .object({
    clickLookbackHours: hours(24 * 30).optional(),
    viewThroughLookbackHours: hours(24 * 7).optional(),
    probabilisticMatching: z
      .object({ enabled: z.boolean().optional(), windowHours: hours(24 * 7).optional() })
      .strict()
      .optional(),
    reattributionWindowDays: z.number().positive().max(365).optional(),
    reengagementWindowDays: z.number().positive().max(365).optional(),
    clickInjectionThresholdSeconds: z.number().min(0).max(3600).optional(),
    timeDecayHalfLifeDays: z.number().positive().max(365).optional(),
    positionBasedWeights: z
      .object({
        first: z.number().min(0).max(1),
        middle: z.number().min(0).max(1),
        last: z.number().min(0).max(1),
      })
      .strict()
      .refine((w) => Math.abs(w.first + w.middle + w.last - 1) < 1e-9, {
        message: 'first + middle + last must equal 1',
      })
      .optional(),
    fraudMode: z.enum(['reject', 'flag']).optional(),
    fraudModes: fraudModes.optional(),
    maxInstallsPerIpPerHour: z.number().int().positive().max(1_000_000).optional(),
    /** How received IPs are kept (see `ip-privacy.ts`): as sent, truncated, or hashed per app. */
    ipHandling: z.enum(IP_HANDLING).optional(),
    /**
     * Ingest requests per second the app may make (events, touchpoints and tracking links together);
     * at most `MAX_RATE_LIMIT_PER_SECOND`.
     */
    rateLimitPerSecond: z.number().int().positive().max(MAX_RATE_LIMIT_PER_SECOND).optional(),
    /** Events the app may send per UTC day (accepted by `POST /v1/events`). */
    dailyEventQuota: z.number().int().positive().max(1e12).optional(),
  })
  .strict();
export type AppSettingsInput = z.input<typeof AppSettingsInputSchema>;

/**
 * The app settings as they travel (SPEC §4.1: snake_case everywhere on the wire): the admin API, the
 * CLI's `--settings` files and the CDK config's `attributionDefaults` all take this one schema. An
 * unknown key, a camelCase one included, is refused naming the field. Parses to `AppSettingsInput`.
 */
const wireShape = {
  click_lookback_hours: hours(24 * 30)
    .describe('How long before an install a click may win (rule 2), in hours.')
    .optional(),
  view_through_lookback_hours: hours(24 * 7)
    .describe('How long before an install an impression may win on a device id, in hours.')
    .optional(),
  probabilistic_matching: z
    .strictObject(
      {
        enabled: z
          .boolean()
          .describe('Match clicks on the IP + User-Agent signature when no id matches.')
          .optional(),
        window_hours: hours(24 * 7)
          .describe('How long before an install a probabilistic match may win, in hours.')
          .optional(),
      },
      { error: unknownKey },
    )
    .optional(),
  reattribution_window_days: z
    .number()
    .positive()
    .max(365)
    .describe('Inactivity after which a reinstall may be credited to a new touchpoint (rule 4), in days.')
    .optional(),
  reengagement_window_days: z
    .number()
    .positive()
    .max(365)
    .describe('How long a retargeting click re-credits the events of an installed device (rule 5), in days.')
    .optional(),
  click_injection_threshold_seconds: z
    .number()
    .min(0)
    .max(3600)
    .describe('A winning click less than this before the install is click injection (rule 3), in seconds.')
    .optional(),
  time_decay_half_life_days: z
    .number()
    .positive()
    .max(365)
    .describe("Half-life of a touchpoint's weight in the time-decay model, in days.")
    .optional(),
  position_based_weights: z
    .strictObject(
      { first: z.number().min(0).max(1), middle: z.number().min(0).max(1), last: z.number().min(0).max(1) },
      { error: unknownKey },
    )
    .refine((w) => Math.abs(w.first + w.middle + w.last - 1) < 1e-9, {
      message: 'first + middle + last must equal 1',
    })
    .describe(
      'Shares of the first, the middle ones and the last touchpoint in the position-based model; they sum to 1.',
    )
    .optional(),
  fraud_mode: z
    .enum(['reject', 'flag'])
    .describe(
      'Mode of every fraud rule not named in `fraud_modes`: reject the install, or keep it and flag it.',
    )
    .optional(),
  fraud_modes: z
    .strictObject(
      Object.fromEntries(
        FRAUD_REASONS.map((reason) => [reason, z.enum(['reject', 'flag']).optional()]),
      ) as Record<FraudReason, z.ZodOptional<z.ZodEnum<{ reject: 'reject'; flag: 'flag' }>>>,
      { error: unknownKey },
    )
    .describe('Mode of each fraud rule by name (`reject` or `flag`), over `fraud_mode`.')
    .optional(),
  max_installs_per_ip_per_hour: z
    .number()
    .int()
    .positive()
    .max(1_000_000)
    .describe('Installs one IP may make in a clock hour before `install_rate_per_ip` fires.')
    .optional(),
  ip_handling: z
    .enum(IP_HANDLING)
    .describe('How received IPs are kept: as sent, truncated to their /24 or /48, or hashed per app.')
    .optional(),
  rate_limit_per_second: z
    .number()
    .int()
    .positive()
    .max(MAX_RATE_LIMIT_PER_SECOND)
    .describe(
      'Ingest requests per second the app may make (events, touchpoints and tracking links together).',
    )
    .optional(),
  daily_event_quota: z
    .number()
    .int()
    .positive()
    .max(1e12)
    .describe('Events the app may send per UTC day.')
    .optional(),
};

/** Names the unknown keys and, for a camelCase one, the snake_case name it should have. */
function unknownKey(issue: { code?: string; keys?: readonly string[] }): string | undefined {
  if (issue.code !== 'unrecognized_keys' || !issue.keys) return undefined;
  return issue.keys
    .map((key) => {
      const snake = toSnake(key);
      return snake === key
        ? `unknown setting "${key}"`
        : `unknown setting "${key}" (settings are snake_case: "${snake}")`;
    })
    .join('; ');
}

const toSnake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const toCamel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Keys renamed recursively; `fraud_modes` keys are rule names, the same in both spellings. */
function renameKeys(value: unknown, rename: (key: string) => string): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const name = rename(key);
    out[name] = name === 'fraudModes' || name === 'fraud_modes' ? child : renameKeys(child, rename);
  }
  return out;
}

export const AppSettingsWireSchema = z
  .strictObject(wireShape, { error: unknownKey })
  .transform((wire) => renameKeys(wire, toCamel) as AppSettingsInput);
export type AppSettingsWire = z.input<typeof AppSettingsWireSchema>;

/** Settings (stored input or resolved) as the wire spells them. */
export function settingsToWire(settings: AppSettingsInput | AppSettings): Record<string, unknown> {
  return renameKeys(settings, toSnake) as Record<string, unknown>;
}

/** The wire name of a settings field: `settings.rateLimitPerSecond` → `settings.rate_limit_per_second`. */
export function wireSettingName(path: string): string {
  return toSnake(path);
}

/** Settings with every default resolved. */
export interface AppSettings {
  readonly clickLookbackHours: number;
  readonly viewThroughLookbackHours: number;
  readonly probabilisticMatching: { readonly enabled: boolean; readonly windowHours: number };
  readonly reattributionWindowDays: number;
  readonly reengagementWindowDays: number;
  readonly clickInjectionThresholdSeconds: number;
  readonly timeDecayHalfLifeDays: number;
  readonly positionBasedWeights: { readonly first: number; readonly middle: number; readonly last: number };
  /** Mode of every fraud rule, resolved from `fraudModes` over `fraudMode`. */
  readonly fraudModes: Readonly<Record<FraudReason, FraudMode>>;
  readonly maxInstallsPerIpPerHour: number;
  readonly ipHandling: IpHandling;
  readonly rateLimitPerSecond: number;
  readonly dailyEventQuota: number;
}

/** The defaults of SPEC §4. */
export const DEFAULT_SETTINGS: AppSettings = {
  clickLookbackHours: 7 * 24,
  viewThroughLookbackHours: 24,
  probabilisticMatching: { enabled: true, windowHours: 24 },
  reattributionWindowDays: 90,
  reengagementWindowDays: 30,
  clickInjectionThresholdSeconds: 10,
  timeDecayHalfLifeDays: 7,
  positionBasedWeights: { first: 0.4, middle: 0.2, last: 0.4 },
  fraudModes: Object.fromEntries(FRAUD_REASONS.map((r) => [r, 'reject'])) as Record<FraudReason, FraudMode>,
  maxInstallsPerIpPerHour: 50,
  ipHandling: 'full',
  rateLimitPerSecond: 100,
  dailyEventQuota: 1_000_000,
};

/**
 * Resolves stored settings over a base: the SPEC defaults, or already resolved settings of a wider
 * scope (the platform's), so a layer changes only what it names (one rule of `fraudModes`, one field
 * of `probabilisticMatching`). The input must already be validated.
 */
export function resolveSettings(
  input: AppSettingsInput = {},
  base: AppSettings = DEFAULT_SETTINGS,
): AppSettings {
  const d = base;
  const baseMode = input.fraudMode;
  return {
    clickLookbackHours: input.clickLookbackHours ?? d.clickLookbackHours,
    viewThroughLookbackHours: input.viewThroughLookbackHours ?? d.viewThroughLookbackHours,
    probabilisticMatching: {
      enabled: input.probabilisticMatching?.enabled ?? d.probabilisticMatching.enabled,
      windowHours: input.probabilisticMatching?.windowHours ?? d.probabilisticMatching.windowHours,
    },
    reattributionWindowDays: input.reattributionWindowDays ?? d.reattributionWindowDays,
    reengagementWindowDays: input.reengagementWindowDays ?? d.reengagementWindowDays,
    clickInjectionThresholdSeconds: input.clickInjectionThresholdSeconds ?? d.clickInjectionThresholdSeconds,
    timeDecayHalfLifeDays: input.timeDecayHalfLifeDays ?? d.timeDecayHalfLifeDays,
    positionBasedWeights: input.positionBasedWeights ?? d.positionBasedWeights,
    fraudModes: Object.fromEntries(
      FRAUD_REASONS.map((r) => [r, input.fraudModes?.[r] ?? baseMode ?? d.fraudModes[r]]),
    ) as Record<FraudReason, FraudMode>,
    maxInstallsPerIpPerHour: input.maxInstallsPerIpPerHour ?? d.maxInstallsPerIpPerHour,
    ipHandling: input.ipHandling ?? d.ipHandling,
    rateLimitPerSecond: input.rateLimitPerSecond ?? d.rateLimitPerSecond,
    dailyEventQuota: input.dailyEventQuota ?? d.dailyEventQuota,
  };
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
