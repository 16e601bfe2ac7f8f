import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, jsonHeaders, type TestApi } from '../support/api.js';

/** SPEC §8: ad spend and FX rates land in the lake, keyed so that sending again replaces. */

const APP = 'com.spend.game';

const costRow = (overrides: Record<string, unknown> = {}) => ({
  date: '2026-11-20',
  network: 'meta',
  campaign: 'spring_sale',
  adset: 'lookalike_1',
  ad: 'video_a',
  country: 'de',
  spend: 100,
  currency: 'EUR',
  ...overrides,
});

describe('spend', () => {
  let api: TestApi;
  let analyst: string;
  let viewer: string;

  beforeAll(async () => {
    api = await createTestApi();
    await api.onboard('spendco', APP);
    analyst = await api.token('analyst', 'spendco');
    viewer = await api.token('viewer', 'spendco');
  });

  const postCosts = (costs: unknown[], token = analyst, appId = APP) =>
    api.call({
      method: 'POST',
      path: `/v1/costs/${appId}`,
      headers: jsonHeaders({ authorization: `Bearer ${token}` }),
      body: JSON.stringify({ costs }),
    });

  const lakeObjects = async (prefix: string) => {
    const listed = await api.clients.s3.send(
      new ListObjectsV2Command({ Bucket: api.resources.bucket, Prefix: prefix }),
    );
    return Promise.all(
      (listed.Contents ?? []).map(async ({ Key }) => {
        const object = await api.clients.s3.send(new GetObjectCommand({ Bucket: api.resources.bucket, Key }));
        return { key: Key ?? '', row: JSON.parse((await object.Body?.transformToString()) ?? '{}') };
      }),
    );
  };

  describe('POST /v1/costs/{appId}', () => {
    it('keeps the valid rows and names the field of each rejected one', async () => {
      const res = await postCosts([costRow(), costRow({ spend: -1 }), costRow({ date: '2026-13-01' })]);
      expect(res.statusCode).toBe(200);
      const body = JSON.parse(res.body ?? '{}');
      expect(body.accepted).toBe(1);
      expect(body.rejected).toEqual([
        expect.objectContaining({ index: 1, field: 'spend', code: 'invalid_cost' }),
        expect.objectContaining({ index: 2, field: 'date', code: 'invalid_cost' }),
      ]);
    });

    it('writes the row under tenant, app and day, country upper-cased', async () => {
      const objects = await lakeObjects(`costs/tenant_id=spendco/app_id=${APP}/dt=2026-11-20/`);
      expect(objects).toHaveLength(1);
      expect(objects[0]?.row).toMatchObject({ network: 'meta', country: 'DE', spend: 100, currency: 'EUR' });
    });

    it('replaces a re-sent row (same app, date, network, campaign, adset, ad and country)', async () => {
      await postCosts([costRow({ spend: 250 }), costRow({ country: 'FR', spend: 7 })]);
      const rows = (await lakeObjects(`costs/tenant_id=spendco/app_id=${APP}/dt=2026-11-20/`)).map(
        (o) => o.row,
      );
      expect(rows.map((r) => [r.country, r.spend]).sort()).toEqual([
        ['DE', 250],
        ['FR', 7],
      ]);
    });

    it('refuses a role without costs:write with 403 and writes nothing', async () => {
      const res = await postCosts([costRow({ date: '2026-11-21' })], viewer);
      expect(res.statusCode).toBe(403);
      expect(await lakeObjects(`costs/tenant_id=spendco/app_id=${APP}/dt=2026-11-21/`)).toHaveLength(0);
    });

    it("answers 404 for another tenant's app", async () => {
      await api.onboard('otherco', 'com.other.game');
      expect((await postCosts([costRow()], analyst, 'com.other.game')).statusCode).toBe(404);
    });
  });

  describe('PUT /v1/tenants/{tenantId}/fx-rates', () => {
    const putRates = (rates: unknown[], tenant = 'spendco', token = analyst) =>
      api.call({
        method: 'PUT',
        path: `/v1/tenants/${tenant}/fx-rates`,
        headers: jsonHeaders({ authorization: `Bearer ${token}` }),
        body: JSON.stringify({ rates }),
      });

    it('stores one rate per date and pair, a later one replacing it', async () => {
      expect((await putRates([{ date: '2026-11-20', from: 'EUR', to: 'USD', rate: 1.07 }])).statusCode).toBe(
        200,
      );
      expect((await putRates([{ date: '2026-11-20', from: 'EUR', to: 'USD', rate: 1.08 }])).statusCode).toBe(
        200,
      );
      const objects = await lakeObjects('fx_rates/tenant_id=spendco/');
      expect(objects.map((o) => o.row)).toEqual([
        expect.objectContaining({ day: '2026-11-20', from_currency: 'EUR', to_currency: 'USD', rate: 1.08 }),
      ]);
    });

    it('refuses a rate of 0 with 400 naming the field', async () => {
      const res = await putRates([{ date: '2026-11-20', from: 'EUR', to: 'USD', rate: 0 }]);
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.body ?? '{}').error.message).toContain('rates.0.rate');
    });

    it("answers 404 for another tenant's rates", async () => {
      expect(
        (await putRates([{ date: '2026-11-20', from: 'EUR', to: 'USD', rate: 1 }], 'otherco')).statusCode,
      ).toBe(404);
    });
  });
});
