import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedDatabase, openEmbeddedDatabase } from '../../src/adapters/embedded/database.js';
import { signLocalToken } from '../../src/auth/jwt.js';
import {
  createEmbeddedApiServices,
  createEmbeddedConsumer,
  type EmbeddedConsumerStep,
  embeddedLog,
} from '../../src/composition/embedded.js';
import { loadRuntimeConfig, RUNTIME_ENV } from '../../src/config/runtime.js';
import { ENV } from '../../src/definitions/environment.js';
import { createHttpApp } from '../../src/http/app.js';
import type { HttpRequest } from '../../src/http/request.js';

/**
 * The embedded stack's wiring (`src/composition/embedded.ts`): the API services and the attribution
 * consumer over one embedded database, with the cloud's shared wiring (bearer tokens, effective
 * settings with the platform defaults, the consumer use case and engine).
 */

const SECRET = 'embedded-secret-embedded-secret-embedded';
const PIXEL = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36';
/** Platform defaults: one fraud rule flagged; the app below overrides another rule only. */
const PLATFORM = { fraudModes: { click_injection: 'flag' } } as const;
const APP_SETTINGS = { fraud_modes: { bot_user_agent: 'flag' } } as const;

const dir = mkdtempSync(join(tmpdir(), 'unmogrowp-embedded-composition-'));
const lakeDirectory = join(dir, 'lake');
let db: EmbeddedDatabase;
let call: (
  request: Partial<HttpRequest> & { method: string; path: string },
) => ReturnType<ReturnType<typeof createHttpApp>>;
let consumer: ReturnType<typeof createEmbeddedConsumer>;
const timedSteps = new Set<EmbeddedConsumerStep>();
let owner: string;

beforeAll(async () => {
  db = openEmbeddedDatabase(dir, { noSync: true });
  const config = loadRuntimeConfig({
    ...process.env,
    [RUNTIME_ENV.jwtSecret]: SECRET,
    [ENV.defaultSettings]: JSON.stringify(PLATFORM),
  });
  const { services } = createEmbeddedApiServices(db, config, { lakeDirectory, shards: 1 });
  const app = createHttpApp(services);
  call = (request) => app({ headers: {}, query: {}, sourceIp: '198.51.100.4', ...request });
  consumer = createEmbeddedConsumer(db, {
    lakeDirectory,
    defaultSettings: config.defaultSettings,
    dataCenterCidrs: config.dataCenterCidrs,
    timed: (step, work) => {
      timedSteps.add(step);
      return work();
    },
  });
  owner = await signLocalToken(SECRET, { sub: 'owner', role: 'owner', tenant: '*' });
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function onboard(tenantId: string, appId: string): Promise<string> {
  const headers = { authorization: `Bearer ${owner}`, 'content-type': 'application/json' };
  await call({
    method: 'POST',
    path: '/v1/tenants',
    headers,
    body: JSON.stringify({ tenant_id: tenantId, name: tenantId }),
  });
  const created = await call({
    method: 'POST',
    path: `/v1/tenants/${tenantId}/apps`,
    headers,
    body: JSON.stringify({
      app_id: appId,
      store_urls: { android: `https://play.google.com/store/apps/details?id=${appId}` },
      settings: APP_SETTINGS,
    }),
  });
  if (created.statusCode !== 201) throw new Error(`onboarding failed: ${created.body}`);
  return JSON.parse(created.body ?? '{}').api_key as string;
}

let consumedUpTo: string | undefined;
/** What the API appended to the log since the last call, as the poller hands it to the consumer. */
function newLogRecords(): KinesisStreamEvent {
  const log = embeddedLog(db, 1);
  const [shardId = ''] = log.shardIds;
  const records = log.read(shardId, consumedUpTo, 1000);
  consumedUpTo = records.at(-1)?.sequenceNumber ?? consumedUpTo;
  return {
    Records: records.map((r) => ({
      eventID: `${shardId}:${r.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      eventSource: 'aws:kinesis',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/embedded',
      eventVersion: '1.0',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/embedded',
      awsRegion: 'us-east-1',
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.partitionKey,
        sequenceNumber: r.sequenceNumber,
        data: Buffer.from(r.data).toString('base64'),
        approximateArrivalTimestamp: r.arrivalMs / 1000,
      },
    })),
  };
}

const install = (eventId: string, adid: string, extra: Record<string, unknown> = {}) => ({
  event_id: eventId,
  type: 'install',
  timestamp: new Date(Date.now() + 2_000).toISOString(),
  device: { platform: 'android', advertising_id: adid, ip: '203.0.113.50' },
  ...extra,
});

describe('embedded composition', () => {
  it("attributes an install to a network click: the API appends to the log, the consumer writes the API's store and the lake", async () => {
    const key = await onboard('acme', 'com.acme.game');
    const adid = crypto.randomUUID();
    const headers = { 'content-type': 'application/json', 'x-api-key': key };
    const click = await call({
      method: 'POST',
      path: '/v1/touchpoints',
      headers,
      body: JSON.stringify({
        touchpoints: [
          {
            type: 'click',
            network: 'meta',
            campaign: 'winter',
            timestamp: new Date(Date.now() - 3_600_000).toISOString(),
            device: { platform: 'android', advertising_id: adid },
          },
        ],
      }),
    });
    const sent = await call({
      method: 'POST',
      path: '/v1/events',
      headers,
      body: JSON.stringify({ events: [install('install-1', adid)] }),
    });
    expect([click.statusCode, sent.statusCode]).toEqual([202, 202]);

    const batch = newLogRecords();
    expect(batch.Records).toHaveLength(2);
    expect(await consumer.consume(batch)).toEqual({ batchItemFailures: [] });

    const answer = await call({
      method: 'GET',
      path: '/v1/attribution/com.acme.game',
      query: { advertising_id: adid },
      headers: { 'x-api-key': key },
    });
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body ?? '{}')).toMatchObject({ status: 'attributed', network: 'meta' });
    expect(readdirSync(lakeDirectory, { recursive: true }).some((f) => String(f).endsWith('.json'))).toBe(
      true,
    );
    expect([...timedSteps].sort()).toEqual(['commitMs', 'lakeMs', 'loadMs']);
  });

  it("answers and applies the platform defaults under the app's own settings, on both sides", async () => {
    const key = await onboard('acme', 'com.acme.other');
    const admin = await call({
      method: 'GET',
      path: '/v1/tenants/acme/apps/com.acme.other',
      headers: { authorization: `Bearer ${owner}` },
    });
    expect(JSON.parse(admin.body ?? '{}').effective_settings.fraud_modes).toMatchObject({
      click_injection: 'flag',
      bot_user_agent: 'flag',
    });

    const adid = crypto.randomUUID();
    const click = await call({
      method: 'GET',
      path: '/v1/click/com.acme.other',
      query: { network: 'meta', campaign: 'spring' },
      headers: { 'user-agent': PIXEL },
    });
    const clickId = click.headers?.['x-click-id'];
    const sent = await call({
      method: 'POST',
      path: '/v1/events',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({
        events: [install('inject-1', adid, { install_referrer: `ugp_click_id=${clickId}` })],
      }),
    });
    expect(sent.statusCode).toBe(202);
    expect(await consumer.consume(newLogRecords())).toEqual({ batchItemFailures: [] });

    const answer = await call({
      method: 'GET',
      path: '/v1/attribution/com.acme.other',
      query: { advertising_id: adid },
      headers: { 'x-api-key': key },
    });
    const body = JSON.parse(answer.body ?? '{}');
    expect(body.status).toBe('attributed');
    expect(body.fraud).toEqual(['click_injection']);
  });

  it("records admin changes in the embedded database's audit log", async () => {
    await onboard('audited', 'com.audited.app');
    const answer = await call({
      method: 'GET',
      path: '/v1/tenants/audited/audit-log',
      headers: { authorization: `Bearer ${owner}` },
    });
    expect(answer.statusCode, answer.body).toBe(200);
    const entries = JSON.parse(answer.body ?? '{}').entries as { action: string; target: string }[];
    expect(entries.map((e) => [e.action, e.target])).toEqual([
      ['apps.create', 'com.audited.app'],
      ['tenants.create', 'audited'],
    ]);
  });
});
