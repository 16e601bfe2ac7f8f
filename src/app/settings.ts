import { ConfigurationError } from '../config/runtime.js';
import { ENV } from '../definitions/environment.js';
import {
  type AppSettings,
  type AppSettingsInput,
  AppSettingsInputSchema,
  resolveSettings,
} from '../domain/settings.js';
import type { AppRecord } from './records.js';

/**
 * The effective settings of an app, the one function that owns them: SPEC §4 defaults, then the
 * platform defaults of the runtime config, then the app's stored settings, each layer changing only
 * what it names. The consumer, the ingest limits, the ingest IP handling and the admin answer all read
 * them here.
 */

/** An app's effective settings from its stored ones. */
export type SettingsResolver = (appSettings: AppSettingsInput) => AppSettings;

/**
 * The resolver of one platform: its defaults are validated once, here.
 * @throws ConfigurationError when the platform defaults are not valid settings
 * @example
 * const effective = createSettingsResolver(config.defaultSettings);
 * effective(app.settings).fraudModes.bot_user_agent;
 */
export function createSettingsResolver(
  platformDefaults: Readonly<Record<string, unknown>> = {},
): SettingsResolver {
  const parsed = AppSettingsInputSchema.safeParse(platformDefaults);
  if (!parsed.success) {
    throw new ConfigurationError(
      `${ENV.defaultSettings} is not valid settings: ${parsed.error.issues[0]?.message ?? ''}`,
      ENV.defaultSettings,
    );
  }
  const platform = resolveSettings(parsed.data);
  return (appSettings) => resolveSettings(appSettings, platform);
}

/**
 * The engine's `settingsFor`: an app's effective settings, looked up through the registry's short
 * cache, so a settings change is live within its TTL. An app of another tenant gets the platform's.
 */
export function createSettingsProvider(
  registry: { getApp(appId: string): Promise<AppRecord | undefined> },
  effective: SettingsResolver = createSettingsResolver(),
): (tenantId: string, appId: string) => Promise<AppSettings> {
  return async (tenantId, appId) => {
    const app = await registry.getApp(appId);
    return effective(app && app.tenantId === tenantId ? app.settings : {});
  };
}
