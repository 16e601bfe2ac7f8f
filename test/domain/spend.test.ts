import { describe, expect, it } from 'vitest';
import { costRowKey, normaliseCostRow } from '../../src/domain/spend.js';

/** SPEC §8: a cost row is idempotent per (app, date, network, campaign, adset, ad, country). */

const row = (overrides: Record<string, unknown> = {}) =>
  normaliseCostRow({
    date: '2026-11-20',
    network: 'meta',
    campaign: 'spring_sale',
    adset: 'lookalike_1',
    ad: 'video_a',
    country: 'DE',
    spend: 100,
    currency: 'EUR',
    ...overrides,
  });

describe('the idempotency key of a cost row', () => {
  const key = costRowKey('com.spend.game', row());

  it.each([
    ['date', { date: '2026-11-21' }],
    ['network', { network: 'tiktok' }],
    ['campaign', { campaign: 'winter' }],
    ['adset', { adset: 'broad' }],
    ['ad', { ad: 'video_b' }],
    ['country', { country: 'FR' }],
  ])('changes with the %s, so such rows are kept apart', (_field, change) => {
    expect(costRowKey('com.spend.game', row(change))).not.toBe(key);
  });

  it('changes with the app', () => {
    expect(costRowKey('com.other.game', row())).not.toBe(key);
  });

  it('stays the same when only the amounts change, so a re-sent row replaces the earlier one', () => {
    expect(
      costRowKey('com.spend.game', row({ spend: 250, currency: 'USD', clicks: 9, impressions: 99 })),
    ).toBe(key);
  });
});
