import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { identifierHash, type TombstoneRow } from '../../src/domain/erasure.js';
import {
  attributionConsumerFor,
  createTestApi,
  jsonHeaders,
  kinesisEvent,
  readStream,
  type TestApi,
} from '../support/api.js';

/** The privacy routes against local DynamoDB, Kinesis and S3: graph deletions, lake tombstone, status. */

const APP = 'com.privacy.game';

describe('privacy erasure', () => {
  let api: TestApi;
  let key: string;
  let admin: string;
  const x = { adid: crypto.randomUUID().toUpperCase(), idfv: crypto.randomUUID(), cuid: 'player-x' };
  const y = { adid: crypto.randomUUID() };

  const drain = async () => {
    const consume = attributionConsumerFor(api);
    return consume(kinesisEvent(await readStream(api.clients.kinesis, api.resources.stream)));
  };

  const erase = (body: Record<string, unknown>, token = admin) =>
    api.call({
      method: 'POST',
      path: '/v1/privacy/erasure',
      headers: jsonHeaders({ authorization: `Bearer ${token}` }),
      body: JSON.stringify(body),
    });

  const status = (requestId: string, token = admin, query: Record<string, string> = {}) =>
    api.call({
      method: 'GET',
      path: `/v1/privacy/erasure/${requestId}`,
      query,
      headers: { authorization: `Bearer ${token}` },
    });

  const lookup = (advertisingId: string) =>
    api.call({
      method: 'GET',
      path: `/v1/attribution/${APP}`,
      query: { advertising_id: advertisingId },
      headers: { 'x-api-key': key },
    });

  const tombstoneKeys = async () => {
    const listed = await api.clients.s3.send(
      new ListObjectsV2Command({ Bucket: api.resources.bucket, Prefix: 'erasures/' }),
    );
    return (listed.Contents ?? []).map((o) => o.Key ?? '');
  };

  const tombstone = async (objectKey: string): Promise<{ text: string; rows: TombstoneRow[] }> => {
    const object = await api.clients.s3.send(
      new GetObjectCommand({ Bucket: api.resources.bucket, Key: objectKey }),
    );
    const text = (await object.Body?.transformToString()) ?? '';
    return {
      text,
      rows: text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as TombstoneRow),
    };
  };

  beforeAll(async () => {
    // Prepare: X installs with three identifiers and buys; Y installs.
    api = await createTestApi();
    key = await api.onboard('privacy', APP);
    await api.onboard('elsewhere', 'com.elsewhere.app');
    admin = await api.token('admin', 'privacy');
    const now = Date.now();
    const events = await api.call({
      method: 'POST',
      path: '/v1/events',
      headers: jsonHeaders({ 'x-api-key': key }),
      body: JSON.stringify({
        events: [
          {
            event_id: 'x-install',
            type: 'install',
            timestamp: new Date(now - 60_000).toISOString(),
            customer_user_id: x.cuid,
            device: { platform: 'ios', advertising_id: x.adid, vendor_id: x.idfv },
          },
          {
            event_id: 'x-buy',
            type: 'purchase',
            timestamp: new Date(now - 30_000).toISOString(),
            device: { platform: 'ios', advertising_id: x.adid },
            revenue: { amount: 2.5, currency: 'EUR' },
          },
          {
            event_id: 'y-install',
            type: 'install',
            timestamp: new Date(now - 60_000).toISOString(),
            device: { platform: 'android', advertising_id: y.adid },
          },
        ],
      }),
    });
    expect(events.statusCode).toBe(202);
    expect((await drain()).batchItemFailures).toEqual([]);
  });

  it('refuses a body naming no identifier (400) and writes nothing', async () => {
    const res = await erase({ app_id: APP });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body ?? '').error.message).toContain(
      'advertising_id, vendor_id or customer_user_id',
    );
    expect(await tombstoneKeys()).toEqual([]);
  });

  it('erases the graph and writes a tombstone of the device id and hashed identifiers only', async () => {
    // Act: erase X by its customer user id.
    const res = await erase({ app_id: APP, customer_user_id: x.cuid });

    // Assess
    expect(res.statusCode).toBe(202);
    const body = JSON.parse(res.body ?? '');
    expect(body).toMatchObject({
      status: 'completed',
      app_id: APP,
      identifier_kind: 'cuid',
      erased: { devices: 1, identifiers: 3, attributions: 1, lake_tombstones: 4 },
      status_url: `/v1/privacy/erasure/${body.request_id}`,
    });
    expect((await lookup(x.adid)).statusCode).toBe(404);
    expect((await lookup(y.adid)).statusCode).toBe(200);

    const keys = await tombstoneKeys();
    expect(keys).toEqual([`erasures/tenant_id=privacy/app_id=${APP}/${body.request_id}.json`]);
    const { text, rows } = await tombstone(keys[0] ?? '');
    for (const value of [x.adid, x.adid.toLowerCase(), x.idfv, x.cuid]) expect(text).not.toContain(value);
    expect(rows.filter((r) => r.key_kind === 'device')).toHaveLength(1);
    expect(rows.map((r) => r.identifier_hash).filter(Boolean)).toEqual(
      expect.arrayContaining([
        identifierHash('cuid', x.cuid),
        identifierHash('adid', x.adid),
        identifierHash('idfv', x.idfv),
      ]),
    );
    expect(new Set(rows.map((r) => r.erased_at))).toEqual(new Set([body.requested_at]));

    // The status route answers the same request, completed, with its counts.
    const read = await status(body.request_id);
    expect(read.statusCode).toBe(200);
    expect(JSON.parse(read.body ?? '')).toMatchObject({
      request_id: body.request_id,
      status: 'completed',
      erased: body.erased,
      completed_at: body.completed_at,
    });
  });

  it('still tombstones an identity the graph does not know (its lake rows may exist)', async () => {
    const unknown = crypto.randomUUID();
    const res = await erase({ app_id: APP, advertising_id: unknown });
    expect(res.statusCode).toBe(202);
    const body = JSON.parse(res.body ?? '');
    expect(body).toMatchObject({ status: 'completed', erased: { devices: 0, lake_tombstones: 2 } });
    const { rows } = await tombstone(`erasures/tenant_id=privacy/app_id=${APP}/${body.request_id}.json`);
    expect(rows.find((r) => r.key_kind === 'adid')?.identifier_hash).toBe(identifierHash('adid', unknown));
  });

  describe('GET /v1/privacy/erasure/{requestId}', () => {
    let requestId: string;
    beforeAll(async () => {
      requestId = JSON.parse((await erase({ app_id: APP, advertising_id: y.adid })).body ?? '').request_id;
    });

    it("answers 404 for another tenant's request, like a missing one", async () => {
      const other = await status(requestId, await api.token('admin', 'elsewhere'));
      expect(other.statusCode).toBe(404);
      expect((await status('0123456789abcdef0123456789abcdef')).statusCode).toBe(404);
    });

    it('refuses a role without privacy:erase (403)', async () => {
      const res = await status(requestId, await api.token('analyst', 'privacy'));
      expect(res.statusCode).toBe(403);
    });

    it('asks a platform-wide token which tenant the request is of', async () => {
      const owner = await api.token('owner', '*');
      const res = await status(requestId, owner);
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.body ?? '').error.message).toMatch(/^tenant_id: /);
      const named = await status(requestId, owner, { tenant_id: 'privacy' });
      expect(named.statusCode).toBe(200);
      expect(JSON.parse(named.body ?? '').status).toBe('completed');
    });
  });
});
