import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSettingsProvider, createSettingsResolver } from '../../src/app/settings.js';
import { createConsumerLambda } from '../../src/composition/consumer.js';
import { ENV } from '../../src/definitions/environment.js';
import { FRAUD_REASONS, resolveSettings } from '../../src/domain/settings.js';
import { createTestApi, jsonHeaders, kinesisEvent, readStream, type TestApi } from '../support/api.js';

/**
 * One effective-settings resolver: the platform defaults of the runtime config under each app's own
 * settings, merged field by field, in the four places that read settings (the admin answer, the
 * ingest limits, the ingest IP handling and the attribution consumer).
 */

const PIXEL = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36';

/** Platform defaults as the CDK hands them to the functions (internal spelling): one fraud rule flagged, IPs hashed, a tiny daily quota. */
const PLATFORM = {
  fraudModes: { click_injection: 'flag' },
  ipHandling: 'hashed',
  dailyEventQuota: 2,
} as const;

/** The app overrides another fraud rule only (on the wire, snake_case): the platform's click_injection must survive it. */
const APP_SETTINGS = { fraud_modes: { bot_user_agent: 'flag' } } as const;

const context = { functionName: 'consumer', awsRequestId: 'req-1' } as unknown as Context;

describe('effective settings resolver', () => {
  it("keeps the platform's other fraud rules when an app overrides one", () => {
    const effective = createSettingsResolver(PLATFORM)({ fraudModes: { bot_user_agent: 'flag' } });

    expect(effective.fraudModes).toMatchObject({
      click_injection: 'flag',
      bot_user_agent: 'flag',
      malformed_advertising_id: 'reject',
    });
    expect(effective.ipHandling).toBe('hashed');
  });

  it("keeps an app's blanket fraudMode over the fully resolved defaults the CDK deploys", () => {
    // lib/stacks/function-environment.ts writes every field, fraudModes of every rule included.
    const deployed = JSON.parse(JSON.stringify(resolveSettings({})));

    const effective = createSettingsResolver(deployed)({ fraudMode: 'flag' });

    expect(Object.values(effective.fraudModes)).toEqual(FRAUD_REASONS.map(() => 'flag'));
  });

  it("lets an app's blanket fraudMode override the platform's per-rule modes", () => {
    const effective = createSettingsResolver(PLATFORM)({ fraudMode: 'reject' });

    expect(effective.fraudModes.click_injection).toBe('reject');
  });

  it("merges nested settings field by field (the platform's window, the app's switch)", () => {
    const effective = createSettingsResolver({ probabilisticMatching: { windowHours: 6 } })({
      probabilisticMatching: { enabled: false },
    });

    expect(effective.probabilisticMatching).toEqual({ enabled: false, windowHours: 6 });
  });

  it('refuses platform defaults that are not valid settings, naming the variable', () => {
    expect(() => createSettingsResolver({ ipHandling: 'scrambled' })).toThrow(ENV.defaultSettings);
  });
});

describe('the four paths that read settings agree', () => {
  let api: TestApi;
  let key: string;

  const sendEvents = (events: readonly Record<string, unknown>[]) =>
    api.call({
      method: 'POST',
      path: '/v1/events',
      headers: jsonHeaders({ 'x-api-key': key }),
      body: JSON.stringify({ events }),
    });
  const install = (eventId: string, adid: string, extra: Record<string, unknown> = {}) => ({
    event_id: eventId,
    type: 'install',
    timestamp: new Date(Date.now() + 2_000).toISOString(),
    device: { platform: 'android', advertising_id: adid, ip: '203.0.113.50' },
    ...extra,
  });

  beforeAll(async () => {
    api = await createTestApi({}, { [ENV.defaultSettings]: JSON.stringify(PLATFORM) });
    key = await api.onboard('acme', 'com.acme.game', { settings: APP_SETTINGS });
  });

  it('admin: answers the effective settings with the platform defaults under the app', async () => {
    const owner = await api.token('owner', '*');
    const res = await api.call({
      method: 'GET',
      path: '/v1/tenants/acme/apps/com.acme.game',
      headers: { authorization: `Bearer ${owner}` },
    });

    expect(res.statusCode).toBe(200);
    const effective = JSON.parse(res.body ?? '{}').effective_settings;
    expect(effective.fraud_modes).toMatchObject({ click_injection: 'flag', bot_user_agent: 'flag' });
    expect(effective.ip_handling).toBe('hashed');
    expect(effective.daily_event_quota).toBe(2);
  });

  it('ingest IP handling: hashes IPs when the platform says hashed and the app says nothing', async () => {
    const adid = crypto.randomUUID();
    expect((await sendEvents([install('ip-1', adid)])).statusCode).toBe(202);

    const published = (await readStream(api.clients.kinesis, api.resources.stream))
      .map((r) => JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8')))
      .find((r) => r.event?.eventId === 'ip-1');
    expect(published.event.ip).toMatch(/^iph_[0-9a-f]{32}$/);
  });

  it("ingest limits: refuses a batch over the platform's daily event quota", async () => {
    const res = await sendEvents([
      install('quota-1', crypto.randomUUID()),
      install('quota-2', crypto.randomUUID()),
      install('quota-3', crypto.randomUUID()),
    ]);

    expect(res.statusCode).toBe(429);
    expect(JSON.parse(res.body ?? '{}').error.details[0].code).toBe('daily_event_quota');
  });

  it("consumer: flags a click injection by the platform's mode although the app overrides another rule", async () => {
    const other = await api.onboard('acme', 'com.acme.other', { settings: APP_SETTINGS });
    const adid = crypto.randomUUID();
    const click = await api.call({
      method: 'GET',
      path: '/v1/click/com.acme.other',
      query: { network: 'meta', campaign: 'spring' },
      headers: { 'user-agent': PIXEL },
    });
    const clickId = click.headers?.['x-click-id'];
    const sent = await api.call({
      method: 'POST',
      path: '/v1/events',
      headers: jsonHeaders({ 'x-api-key': other }),
      body: JSON.stringify({
        events: [install('inject-1', adid, { install_referrer: `ugp_click_id=${clickId}` })],
      }),
    });
    expect(sent.statusCode).toBe(202);

    const consumer = createConsumerLambda({ config: api.config, clients: api.clients });
    const batch = kinesisEvent(await readStream(api.clients.kinesis, api.resources.stream));
    expect(await consumer(batch, context)).toEqual({ batchItemFailures: [] });

    const res = await api.call({
      method: 'GET',
      path: '/v1/attribution/com.acme.other',
      query: { advertising_id: adid },
      headers: { 'x-api-key': other },
    });
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body ?? '{}');
    expect(body.status).toBe('attributed');
    expect(body.fraud).toEqual(['click_injection']);
  });

  it("consumer's settings provider: an app of another tenant gets the platform's settings", async () => {
    const settingsFor = createSettingsProvider(
      { getApp: async () => ({ tenantId: 'globex', settings: { fraudMode: 'flag' } }) as never },
      createSettingsResolver(PLATFORM),
    );

    expect((await settingsFor('acme', 'com.globex.app')).fraudModes.bot_user_agent).toBe('reject');
  });
});
