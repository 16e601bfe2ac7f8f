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
/** Counter row shards by default: the busiest row at 1.4 M events/s stays far under 1,000 writes/s per item (docs/capacity.md). */
export const DEFAULT_COUNTER_SHARDS = 64;
/** Most counter row shards: a report reads every shard of its rows. */
export const MAX_COUNTER_SHARDS = 256;

export const linkPk = (key: string) => `I#${key}`;
export const devicePk = (d: { tenantId: string; appId: string; deviceId: string }) =>
  `D#${d.tenantId}#${d.appId}#${d.deviceId}`;
export const matchPk = (key: string) => `M#${key}`;
const SIGNATURE_MARK = '#sig#';
/** A signature match key (`<tenant>#<app>#sig#<ip>|<platform>|<os>|<model>`) split into its IP partition and sort key prefix. */
export interface SignatureLocation {
  /** `S#<tenant>#<app>#<ip>`: every signature touchpoint of one IP in one app. */
  readonly pk: string;
  /** `<platform|os|model, URI-encoded>#`: the signature's part of the sort key (no `#` inside). */
  readonly prefix: string;
}
/**
 * Where a signature match key's touchpoints are stored: one partition per (tenant, app, IP), the rest
 * of the signature first in the sort key, so an install's signatures (one IP) are one Query.
 * Undefined for other match keys (click ids, device ids).
 */
export function signatureLocation(matchKey: string): SignatureLocation | undefined {
  const at = matchKey.indexOf(SIGNATURE_MARK);
  if (at < 0) return undefined;
  const signature = matchKey.slice(at + SIGNATURE_MARK.length);
  const bar = signature.indexOf('|');
  const ip = bar < 0 ? signature : signature.slice(0, bar);
  const rest = bar < 0 ? '' : signature.slice(bar + 1);
  return { pk: `S#${matchKey.slice(0, at)}#${ip}`, prefix: `${part(rest)}#` };
}
export const isSignatureKey = (matchKey: string) => matchKey.includes(SIGNATURE_MARK);
/**
 * The item of one touchpoint copy under one match key; `touchSk` is `<timestampMs, 15 digits>#<touchpointId>`.
 * Signature keys: `S#<tenant>#<app>#<ip>` / `<signature rest>#<touchSk>`; others `M#<matchKey>` / `<touchSk>`.
 */
export function touchpointKey(matchKey: string, touchSk: string): { pk: string; sk: string } {
  const signature = signatureLocation(matchKey);
  return signature
    ? { pk: signature.pk, sk: `${signature.prefix}${touchSk}` }
    : { pk: matchPk(matchKey), sk: touchSk };
}
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
export const counterRow = (c: Pick<CounterIncrement, 'day' | 'network' | 'campaign'>) =>
  `${c.day}#${part(c.network)}#${part(c.campaign)}`;
export const counterRowSk = (c: Pick<CounterIncrement, 'day' | 'network' | 'campaign'>, shard: number) =>
  `${counterRow(c)}#${shard}`;
export const METRIC_PREFIX = 'm#';
export const metricAttribute = (metric: CounterMetric, currency: string | undefined) =>
  currency === undefined ? `${METRIC_PREFIX}${metric}` : `${METRIC_PREFIX}${metric}#${currency}`;

export type Item = Record<string, unknown>;
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
// The document client's shapes: plain JavaScript items and keys, not AttributeValue maps.
export type WriteRequest = { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Record<string, unknown> } };
