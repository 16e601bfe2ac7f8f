/**
 * Where postback items live in the tenant registry table: the per-app settings item, and one delivery
 * record per job (the idempotency record and the delivery log, deleted by the table's TTL).
 */

/** Partition key prefix of the delivery records: the only items the consumer and sender write. */
export const POSTBACK_DELIVERY_KEY_PREFIX = 'PBDELIVERY#';
/** Partition key prefix of the per-app postback settings. */
export const POSTBACK_CONFIG_KEY_PREFIX = 'POSTBACKS#';
/** Days a delivery record is kept (the log's horizon). */
export const DELIVERY_RECORD_TTL_DAYS = 30;

export const postbackConfigKey = (tenantId: string, appId: string) => ({
  pk: `${POSTBACK_CONFIG_KEY_PREFIX}${tenantId}#${appId}`,
  sk: 'CONFIG',
});

export const deliveryKey = (tenantId: string, appId: string, jobId: string) => ({
  pk: `${POSTBACK_DELIVERY_KEY_PREFIX}${tenantId}#${appId}`,
  sk: jobId,
});
