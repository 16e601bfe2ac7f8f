/**
 * The key classes of the tables whose hottest item the capacity model bounds, and which class an item
 * belongs to by its key (the layouts of `src/adapters/dynamodb/identity-graph.ts` and the usage counters).
 */
import { USAGE_COUNTER_KEY_PREFIX } from '../definitions/tables.js';

/** The key classes whose hottest item the capacity model bounds. */
export const KEY_CLASSES = [
  'counter row',
  'IP-hour',
  'signature partition',
  'rate-limit counter',
  'quota counter',
  'device',
] as const;
export type KeyClass = (typeof KEY_CLASSES)[number];

/** The key class of an item of the identity graph or of the registry's usage counters, by its key. */
export function keyClassOf(pk: string, sk: string): KeyClass | undefined {
  if (pk.startsWith('C#')) return 'counter row';
  if (pk.startsWith('H#')) return 'IP-hour';
  // One partition per app and IP (`S#`); before IP partitions, one per signature (`M#…#sig#…`).
  if (pk.startsWith('S#') || (pk.startsWith('M#') && pk.includes('#sig#'))) return 'signature partition';
  if (pk.startsWith(USAGE_COUNTER_KEY_PREFIX))
    return pk.includes('#D#') || pk.includes('#M#') ? 'quota counter' : 'rate-limit counter';
  if (pk.startsWith('D#') && sk === 'D') return 'device';
  return undefined;
}

/**
 * The counter row of a counter item's sort key (`<day>#<network>#<campaign>[#<shard>]`, network and
 * campaign URI-encoded): the shards of a row are one row to the capacity model, which divides by them.
 */
export function counterRowOf(sk: string): string {
  const parts = sk.split('#');
  return parts.length > 3 ? parts.slice(0, 3).join('#') : sk;
}
