import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REPORT_QUERIES, SPEND_QUERIES } from '../../src/definitions/queries.js';
import { type DashboardSources, dashboardData } from '../../src/local/dashboard.js';

/** The dashboard's data: what it makes of the lake's rows and the consumer's batches. */

const NOW = Date.parse('2026-11-30T12:00:00Z');

type Row = Record<string, unknown>;

/** A lake answering the dashboard's queries with canned rows, recording the parameters it was asked. */
function fakeLake(rows: { installs?: Row[]; performance?: Row[]; outcomes?: Row[] }) {
  const asked: { query: unknown; parameters: unknown }[] = [];
  const lake: DashboardSources['lake'] = {
    sql: async (query, values) => {
      asked.push({ query, parameters: values });
      return rows.outcomes ?? [];
    },
    report: async (query, parameters) => {
      asked.push({ query, parameters });
      if (query === REPORT_QUERIES.installsByNetworkCampaignDaily) return rows.installs ?? [];
      if (query === SPEND_QUERIES.performanceFacts) return rows.performance ?? [];
      return [];
    },
  };
  return { lake, asked };
}

function sources(lake: DashboardSources['lake'], batches: DashboardSources['stats']['batches'] = []) {
  return { stats: { batches }, lake, facts: { tenants: [] } } satisfies DashboardSources;
}

describe('dashboard data', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks the reports for the last three days through tomorrow', async () => {
    // Prepare
    const { lake, asked } = fakeLake({});

    // Act
    await dashboardData(sources(lake), 'acme', 'com.acme.game');

    // Assess
    expect(asked).toContainEqual({
      query: REPORT_QUERIES.installsByNetworkCampaignDaily,
      parameters: { tenantId: 'acme', appId: 'com.acme.game', fromDay: '2026-11-27', toDay: '2026-12-01' },
    });
    // The outcomes query reads arrival days from the day before the range.
    expect(asked).toContainEqual({
      query: expect.stringContaining('FROM attributions'),
      parameters: ['acme', 'com.acme.game', '2026-11-26', '2026-11-27', '2026-12-01'],
    });
  });

  it("sums a campaign's daily installs and rejections, most installs first", async () => {
    // Prepare
    const { lake } = fakeLake({
      installs: [
        { network: 'meta', campaign: 'winter', installs: 3, rejected: 1 },
        { network: 'tiktok', campaign: 'dance', installs: 9, rejected: 0 },
        { network: 'meta', campaign: 'winter', installs: 4, rejected: 2 },
      ],
    });

    // Act
    const data = await dashboardData(sources(lake), 'acme', 'com.acme.game');

    // Assess
    expect(data.campaigns).toEqual([
      { network: 'tiktok', campaign: 'dance', installs: 9, rejected: 0 },
      { network: 'meta', campaign: 'winter', installs: 7, rejected: 3 },
    ]);
  });

  it('buckets consumer batches by 10 seconds with their records and largest lag, oldest first', async () => {
    // Prepare
    const { lake } = fakeLake({});
    const batches = [
      { atMs: NOW + 12_000, records: 5, failed: 0, lagMs: 40 },
      { atMs: NOW + 9_999, records: 20, failed: 1, lagMs: 900 },
      { atMs: NOW + 1_000, records: 100, failed: 0, lagMs: 250 },
    ];

    // Act
    const data = await dashboardData(sources(lake, batches), 'acme', 'com.acme.game');

    // Assess
    expect(data.pipeline).toEqual([
      { at: '2026-11-30T12:00:00.000Z', records: 120, maxLagMs: 900 },
      { at: '2026-11-30T12:00:10.000Z', records: 5, maxLagMs: 40 },
    ]);
  });

  it('shows ROAS only for campaigns with spend', async () => {
    // Prepare
    const fact = (campaign: string, metric: string, amount: number) => ({
      network: 'meta',
      campaign,
      metric,
      amount,
      currency: 'USD',
      day: '2026-11-29',
    });
    const { lake } = fakeLake({
      performance: [
        fact('winter', 'spend', 100),
        fact('winter', 'revenue', 250),
        fact('organic-push', 'revenue', 40),
      ],
    });

    // Act
    const data = await dashboardData(sources(lake), 'acme', 'com.acme.game');

    // Assess
    expect(data.roas).toEqual([{ network: 'meta', campaign: 'winter', spend: 100, revenue: 250, roas: 2.5 }]);
  });

  it('answers no postback panel data when the platform has no postback statistics', async () => {
    const { lake } = fakeLake({});

    const data = await dashboardData(sources(lake), 'acme', 'com.acme.game');

    expect(data.postbacks).toEqual([]);
  });
});
