import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CounterIncrement, CounterMetric } from '../../../domain/store.js';

/** Keys, time-to-live and request limits of the identity graph's single-table layout (see `identity-graph.ts`). */

export const DAY_S = 86_400;
export const TOUCHPOINT_TTL_S = 31 * DAY_S;
export const SIGNATURE_TTL_S = 8 * DAY_S;
export const EVENT_MARKER_TTL_S = 400 * DAY_S;
export const IP_HOUR_TTL_S = 2 * DAY_S;
export const TRANSACTION_LIMIT = 100;
export const BATCH_GET_LIMIT = 100;
export const BATCH_WRITE_LIMIT = 25;

export const linkPk = (key: string) => `I#${key}`;
export const devicePk = (d: { tenantId: string; appId: string; deviceId: string }) =>
  `D#${d.tenantId}#${d.appId}#${d.deviceId}`;
export const matchPk = (key: string) => `M#${key}`;
export const eventPk = (key: string) => `E#${key}`;
export const ipHourPk = (key: string) => `H#${key}`;
export const pad = (ms: number) => String(Math.max(0, Math.trunc(ms))).padStart(15, '0');
export const counterPk = (tenantId: string, appId: string, day: string) =>
  `C#${tenantId}#${appId}#${day.slice(0, 7)}`;
export const part = (s: string) => encodeURIComponent(s);
/**
 * One counter row per day, network and campaign, split into shards; each metric (and revenue currency)
 * is an attribute. Rows written before sharding have no shard part; the parts are URI-encoded, so the
 * shard part never collides with a campaign.
 */
export const counterRowSk = (c: Pick<CounterIncrement, 'day' | 'network' | 'campaign'>, shard: number) =>
  `${c.day}#${part(c.network)}#${part(c.campaign)}#${shard}`;
export const METRIC_PREFIX = 'm#';
export const metricAttribute = (metric: CounterMetric, currency: string | undefined) =>
  currency === undefined ? `${METRIC_PREFIX}${metric}` : `${METRIC_PREFIX}${metric}#${currency}`;

export type Item = Record<string, unknown>;
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
// The document client's shapes: plain JavaScript items and keys, not AttributeValue maps.
export type WriteRequest = { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Record<string, unknown> } };
