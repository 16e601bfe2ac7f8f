import { POSTBACK_CONFIG_KEY_PREFIX, POSTBACK_DELIVERY_KEY_PREFIX } from '../../definitions/postbacks.js';

/** The tenant registry keys of postback items (prefixes in `src/definitions/postbacks.ts`). */

export {
  DELIVERY_RECORD_TTL_DAYS,
  POSTBACK_CONFIG_KEY_PREFIX,
  POSTBACK_DELIVERY_KEY_PREFIX,
} from '../../definitions/postbacks.js';

export const postbackConfigKey = (tenantId: string, appId: string) => ({
  pk: `${POSTBACK_CONFIG_KEY_PREFIX}${tenantId}#${appId}`,
  sk: 'CONFIG',
});

export const deliveryKey = (tenantId: string, appId: string, jobId: string) => ({
  pk: `${POSTBACK_DELIVERY_KEY_PREFIX}${tenantId}#${appId}`,
  sk: jobId,
});
