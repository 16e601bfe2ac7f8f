import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityGraph } from '../../src/adapters/dynamodb/identity-graph.js';
import { kinesisBatchHandler } from '../../src/adapters/kinesis/stream-batch.js';
import { GraphErasureCheck } from '../../src/adapters/postbacks/erasure-check.js';
import { LocalDeliveryQueue } from '../../src/adapters/postbacks/local-queue.js';
import { SafeHttpTransport } from '../../src/adapters/postbacks/safe-http-transport.js';
import { S3LakeWriter } from '../../src/adapters/s3/lake-writer.js';
import { createAttributionConsumer } from '../../src/app/attribution-consumer.js';
import { createPostbackDispatcher } from '../../src/app/postbacks/dispatcher.js';
import type { PostbackApiServices } from '../../src/app/postbacks/ports.js';
import {
  createPostbackSender,
  type PostbackSender,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from '../../src/app/postbacks/sender.js';
import { createSettingsProvider } from '../../src/app/settings.js';
import { verifyRequestSignature } from '../../src/auth/signing.js';
import { POSTBACK_ENV } from '../../src/definitions/postbacks.js';
import { AttributionEngine } from '../../src/domain/engine.js';
import { createTestApi, jsonHeaders, kinesisEvent, readStream, type TestApi } from '../support/api.js';
import { type Receiver, startReceiver } from './receiver.js';

/**
 * SPEC §7 end to end against a real HTTP receiver on 127.0.0.1: the API configures destinations, the
 * consumer commits decisions and plans jobs, the local queue and the sender deliver them.
 */

const TENANT = 'pb-tenant';
const APP = 'com.postbacks.game';
const BOT_UA = 'Googlebot/2.1 (+http://www.google.com/bot.html)';
/** Installs a minute after their click: well clear of the click-injection threshold (10 s). */
const inAMinute = () => new Date(Date.now() + 60_000).toISOString();

describe('postback delivery', () => {
  let api: TestApi;
  let receiver: Receiver;
  let postbacks: PostbackApiServices;
  let queue: LocalDeliveryQueue;
  let sender: PostbackSender;
  let apiKey: string;
  let owner: string;
  let webhookSecret: string;
  const consumed = new Set<string>();

  /** Runs the consumer over records not consumed yet (or all of them again: a redelivery). */
  const consume = async (options: { redeliverAll?: boolean; into?: LocalDeliveryQueue } = {}) => {
    const target = options.into ?? queue;
    const graph = new IdentityGraph({
      documents: api.clients.documents,
      tableName: api.resources.identityGraphTable,
    });
    const consumer = kinesisBatchHandler(
      createAttributionConsumer({
        engine: new AttributionEngine(graph, {
          settingsFor: createSettingsProvider(api.services.registry),
        }),
        lake: new S3LakeWriter({ client: api.clients.s3, bucket: api.resources.bucket }),
        postbacks: createPostbackDispatcher({
          configs: postbacks.configs,
          log: postbacks.log,
          queue: target,
          now: Date.now,
        }),
      }),
    );
    const records = (await readStream(api.clients.kinesis, api.resources.stream)).filter(
      (r) => options.redeliverAll || !consumed.has(r.eventID),
    );
    const result = await consumer(kinesisEvent(records));
    expect(result.batchItemFailures).toEqual([]);
    for (const r of records) consumed.add(r.eventID);
    await target.idle();
  };

  const admin = (method: string, path: string, body?: unknown) =>
    api.call({
      method,
      path: `/v1/tenants/${TENANT}/apps/${APP}${path}`,
      headers: jsonHeaders({ authorization: `Bearer ${owner}` }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  const click = async (query: Record<string, string>) => {
    const res = await api.call({
      method: 'GET',
      path: `/v1/click/${APP}`,
      query,
      headers: { 'user-agent': 'Mozilla/5.0 (Linux; Android 14)' },
    });
    expect(res.statusCode).toBe(302);
    return res.headers?.['x-click-id'] as string;
  };

  const events = async (list: Record<string, unknown>[]) => {
    const res = await api.call({
      method: 'POST',
      path: '/v1/events',
      headers: jsonHeaders({ 'x-api-key': apiKey }),
      body: JSON.stringify({ events: list }),
    });
    expect(res.statusCode, res.body).toBe(202);
  };

  beforeAll(async () => {
    process.env[POSTBACK_ENV.allowLoopback] = '1';
    receiver = await startReceiver();
    api = await createTestApi();
    postbacks = api.services.postbacks as PostbackApiServices;
    queue = new LocalDeliveryQueue();
    sender = createPostbackSender({
      log: postbacks.log,
      configs: postbacks.configs,
      transport: new SafeHttpTransport({ allowLoopback: true, timeoutMs: 2000 }),
      erasure: new GraphErasureCheck(
        () =>
          new IdentityGraph({
            documents: api.clients.documents,
            tableName: api.resources.identityGraphTable,
          }),
      ),
      deadLetters: queue,
      // Seconds, not hours, between attempts: the 500-then-200 receiver is retried within the test.
      schedule: { baseDelayMs: 20, maxDelayMs: 50 },
    });
    queue.start(sender);
    apiKey = await api.onboard(TENANT, APP);
    owner = await api.token('owner', TENANT);
    const put = await admin('PUT', '/postbacks', {
      postbacks: [
        {
          id: 'meta-installs',
          type: 'partner',
          network: 'meta',
          url: `${receiver.origin}/meta?click={click_id}&adid={advertising_id}&ev={event_name}&rev={revenue}&cur={currency}&c={campaign}&country={country}&p={platform}&fraud={fraud_reasons}`,
          kinds: ['install', 'rejected'],
          events: ['purchase'],
        },
        {
          id: 'google',
          type: 'partner',
          network: 'google',
          url: `${receiver.origin}/google?c={click_id}`,
          kinds: ['install', 'rejected'],
          events: ['*'],
        },
        {
          id: 'backend',
          type: 'webhook',
          url: `${receiver.origin}/hooks`,
          kinds: ['install', 'rejected'],
          events: ['*'],
        },
      ],
    });
    expect(put.statusCode, put.body).toBe(200);
    const secret = await admin('POST', '/webhook-secret');
    expect(secret.statusCode).toBe(201);
    webhookSecret = JSON.parse(secret.body ?? '{}').webhook_secret;
  });

  afterAll(async () => {
    queue.stop();
    await receiver.close();
    delete process.env[POSTBACK_ENV.allowLoopback];
  });

  it('substitutes the macros URL-encoded exactly, only for the credited network', async () => {
    const clickId = await click({ network: 'meta', campaign: 'black friday&co/ü', click_id: 'fb.1=2&x y' });
    await consume();
    await events([
      {
        event_id: 'install-1',
        type: 'install',
        timestamp: inAMinute(),
        install_referrer: `ugp_click_id=${clickId}`,
        device: {
          platform: 'android',
          advertising_id: 'a1b2c3d4-0000-4000-8000-000000000001',
          locale: 'de_DE',
          country: 'AT',
        },
      },
    ]);
    await consume();

    const meta = receiver.at('/meta');
    expect(meta).toHaveLength(1);
    expect(meta[0]?.method).toBe('GET');
    expect(meta[0]?.url).toBe(
      '/meta?click=fb.1%3D2%26x%20y&adid=a1b2c3d4-0000-4000-8000-000000000001&ev=install&rev=&cur=' +
        '&c=black%20friday%26co%2F%C3%BC&country=AT&p=android&fraud=',
    );
    expect(receiver.at('/google')).toEqual([]);
  });

  it('signs webhooks so that the customer verifies them with the shown secret', () => {
    const hooks = receiver.at('/hooks');
    expect(hooks).toHaveLength(1);
    const hook = hooks[0];
    const check = verifyRequestSignature({
      secret: webhookSecret,
      timestamp: hook?.headers[WEBHOOK_TIMESTAMP_HEADER] as string,
      signature: hook?.headers[WEBHOOK_SIGNATURE_HEADER] as string,
      body: hook?.body ?? '',
      nowMs: Date.now(),
    });
    expect(check).toEqual({ ok: true });
    const body = JSON.parse(hook?.body ?? '{}');
    expect(body).toMatchObject({
      type: 'decision',
      event_id: 'install-1',
      attribution: { status: 'attributed', network: 'meta', match: 'click_id' },
    });
    expect(
      verifyRequestSignature({
        ...{
          secret: 'ugpw_wrong',
          timestamp: hook?.headers[WEBHOOK_TIMESTAMP_HEADER] as string,
          signature: hook?.headers[WEBHOOK_SIGNATURE_HEADER] as string,
          body: hook?.body ?? '',
          nowMs: Date.now(),
        },
      }).ok,
    ).toBe(false);
  });

  it('sends nothing twice when Kinesis redelivers the whole batch', async () => {
    const before = receiver.received.length;
    await consume({ redeliverAll: true });
    expect(receiver.received.length).toBe(before);
  });

  it('sends credited in-app events to the credited network with revenue', async () => {
    await events([
      {
        event_id: 'purchase-1',
        type: 'purchase',
        timestamp: new Date(Date.now() + 120_000).toISOString(),
        device: { platform: 'android', advertising_id: 'a1b2c3d4-0000-4000-8000-000000000001' },
        revenue: { amount: 4.99, currency: 'EUR' },
      },
    ]);
    await consume();
    const purchase = receiver.at('/meta').find((r) => r.url.includes('ev=purchase'));
    expect(purchase?.url).toContain('&rev=4.99&cur=EUR&');
    expect(receiver.at('/google')).toEqual([]);
    const hook = receiver
      .at('/hooks')
      .map((r) => JSON.parse(r.body))
      .find((b) => b.type === 'event');
    expect(hook).toMatchObject({
      event_name: 'purchase',
      credited_as: 'install',
      source: { network: 'meta' },
      revenue: { amount: 4.99 },
    });
  });

  it('tells the credited network about a rejected install with its fraud reasons', async () => {
    const clickId = await click({ network: 'meta', campaign: 'bots', click_id: 'bot-click' });
    await consume();
    await events([
      {
        event_id: 'install-bot',
        type: 'install',
        timestamp: inAMinute(),
        install_referrer: `ugp_click_id=${clickId}`,
        device: {
          platform: 'android',
          advertising_id: 'a1b2c3d4-0000-4000-8000-000000000002',
          user_agent: BOT_UA,
        },
      },
    ]);
    await consume();
    const rejected = receiver.at('/meta?click=bot-click');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.url).toContain('&fraud=bot_user_agent');
  });

  it('retries a receiver that answers 500, then 200', async () => {
    receiver.script('/hooks', [500]);
    const before = receiver.at('/hooks').length;
    const clickId = await click({ network: 'meta', campaign: 'retry' });
    await consume();
    await events([
      {
        event_id: 'install-retry',
        type: 'install',
        timestamp: inAMinute(),
        install_referrer: `ugp_click_id=${clickId}`,
        device: { platform: 'ios', vendor_id: 'B1C2D3E4-0000-4000-8000-000000000003' },
      },
    ]);
    await consume();
    const hooks = receiver.at('/hooks').slice(before);
    expect(hooks).toHaveLength(2);
    expect(hooks[0]?.body).toBe(hooks[1]?.body);
    const log = await admin('GET', '/postbacks/deliveries?status=sent');
    const sent = JSON.parse(log.body ?? '{}').deliveries.find(
      (d: { destination_id: string; subject_id: string }) =>
        d.destination_id === 'backend' && d.subject_id === 'install-retry',
    );
    expect(sent).toMatchObject({ status: 'sent', attempts: 2, response_code: 200 });
  });

  it('never sends the decisions of an identity erased before delivery', async () => {
    const clickId = await click({ network: 'meta', campaign: 'erased', click_id: 'erased' });
    await consume();
    const adid = 'a1b2c3d4-0000-4000-8000-0000000000e5';
    await events([
      {
        event_id: 'install-erased',
        type: 'install',
        timestamp: inAMinute(),
        install_referrer: `ugp_click_id=${clickId}`,
        device: { platform: 'android', advertising_id: adid },
      },
    ]);
    // The jobs wait in a queue that is not sending yet; the erasure lands first.
    const held = new LocalDeliveryQueue();
    await consume({ into: held });
    expect(held.size).toBe(2);
    const erasure = await api.call({
      method: 'POST',
      path: '/v1/privacy/erasure',
      headers: jsonHeaders({ authorization: `Bearer ${owner}` }),
      body: JSON.stringify({ app_id: APP, advertising_id: adid }),
    });
    expect(erasure.statusCode).toBe(202);
    const before = receiver.received.length;
    held.start(sender);
    await held.idle();
    expect(receiver.received.length).toBe(before);
    const log = await admin('GET', '/postbacks/deliveries?status=suppressed');
    const suppressed = JSON.parse(log.body ?? '{}').deliveries.filter(
      (d: { subject_id: string }) => d.subject_id === 'install-erased',
    );
    expect(suppressed.map((d: { destination_id: string }) => d.destination_id).sort()).toEqual([
      'backend',
      'meta-installs',
    ]);
  });

  it('sends the IP in the form the app keeps it (ip_handling applies to macros)', async () => {
    const settings = await admin('PUT', '', { settings: { ip_handling: 'truncated' } });
    expect(settings.statusCode, settings.body).toBe(200);
    const put = await admin('PUT', '/postbacks', {
      postbacks: [
        {
          id: 'meta-ip',
          type: 'partner',
          network: 'meta',
          url: `${receiver.origin}/ipcheck?ip={ip}`,
          kinds: ['install'],
        },
      ],
    });
    expect(put.statusCode, put.body).toBe(200);
    const clickId = await click({ network: 'meta', campaign: 'ip' });
    await consume();
    await events([
      {
        event_id: 'install-ip',
        type: 'install',
        timestamp: inAMinute(),
        install_referrer: `ugp_click_id=${clickId}`,
        device: {
          platform: 'android',
          advertising_id: 'a1b2c3d4-0000-4000-8000-0000000000a7',
          ip: '198.51.100.77',
        },
      },
    ]);
    await consume();
    expect(receiver.at('/ipcheck').map((r) => r.url)).toEqual(['/ipcheck?ip=198.51.100.0']);
  });
});
