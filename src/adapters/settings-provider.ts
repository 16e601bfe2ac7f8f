import { ConfigurationError } from '../config/runtime.js';
import { ENV } from '../definitions/environment.js';
import { type AppSettings, AppSettingsInputSchema, resolveSettings } from '../domain/settings.js';
import type { AppRecord } from './dynamodb/tenant-registry.js';

/**
 * The engine's `settingsFor`: an app's stored settings over the platform defaults over SPEC §4. App
 * look-ups go through the registry's short cache, so a settings change is live within its TTL.
 */
export function createSettingsProvider(
  registry: { getApp(appId: string): Promise<AppRecord | undefined> },
  platformDefaults: Readonly<Record<string, unknown>> = {},
): (tenantId: string, appId: string) => Promise<AppSettings> {
  const defaults = AppSettingsInputSchema.safeParse(platformDefaults);
  if (!defaults.success) {
    throw new ConfigurationError(
      `${ENV.defaultSettings} is not valid settings: ${defaults.error.issues[0]?.message ?? ''}`,
      ENV.defaultSettings,
    );
  }
  return async (tenantId, appId) => {
    const app = await registry.getApp(appId);
    const own = app && app.tenantId === tenantId ? app.settings : {};
    return resolveSettings({ ...defaults.data, ...own });
  };
}
