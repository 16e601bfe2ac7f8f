import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { APIGatewayProxyEvent, Context, KinesisStreamRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTenantHomes } from '../../../src/adapters/dynamodb/tenant-homes.js';
import { encodeRecord } from '../../../src/adapters/kinesis/publisher.js';
import { emfDeliveryMetrics } from '../../../src/adapters/postbacks/emf-metrics.js';
import { signLocalToken } from '../../../src/auth/jwt.js';
import { createApiLambda } from '../../../src/composition/api.js';
import { createConsumerLambda } from '../../../src/composition/consumer.js';
import { createObservability, type Observability } from '../../../src/composition/observability.js';
import { loadRuntimeConfig, RUNTIME_ENV } from '../../../src/config/runtime.js';
import {
  AUDIT_LOG_KEY_PREFIX,
  type CustomMetricIdentity,
  METRICS_NAMESPACE,
  metricKey,
  UNCHARTED_METRICS,
} from '../../../src/definitions/index.js';
import type { PipelineRecord } from '../../../src/domain/records.js';
import { JWT_SECRET, kinesisEvent, kinesisRecord, readStream } from '../../support/api.js';
import { adid, clickRecord, eventRecord, HOUR, T0 } from '../../support/factories.js';

const DAY = 24 * HOUR;

import type { Platform } from '../../../lib/platform.js';
import { createLocalResources, type LocalResources, localClients } from '../../support/local.js';
import { allStacks, buildTestPlatform, dashboardsOf, queriedCustomMetrics } from '../support/platform.js';

/**
 * The metric contract: every custom metric a dashboard or alarm queries is emitted, by the function
 * that runs in Lambda, with exactly that namespace, name and dimension set; and every metric the
 * functions emit is charted or listed in UNCHARTED_METRICS with a reason.
 */

/**
 * A dashboard `SEARCH` over the custom namespace: the metric name, the exact dimension names its schema
 * `{namespace,dim,…}` requires, and the dimension values it fixes (`service="…"`).
 */
interface CustomMetricSearch {
  readonly expression: string;
  readonly metricName: string;
  readonly dimensionNames: readonly string[];
  readonly fixed: Readonly<Record<string, string>>;
}

const SEARCH_SCHEMA = /SEARCH\('\{(?<schema>[^}]*)\}(?<terms>[^']*)'/g;
const SEARCH_TERM = /(?<key>\w+)="(?<value>[^"]*)"/g;

/** Every SEARCH expression over the custom namespace on the dashboards of a platform. */
function searchedCustomMetrics(platform: Platform): CustomMetricSearch[] {
  const out: CustomMetricSearch[] = [];
  for (const stack of allStacks(platform))
    for (const dashboard of dashboardsOf(stack))
      for (const widget of dashboard.widgets)
        for (const row of widget.properties.metrics ?? [])
          for (const part of row) {
            const expression = (part as { expression?: unknown })?.expression;
            if (typeof expression !== 'string') continue;
            for (const search of expression.matchAll(SEARCH_SCHEMA)) {
              const [namespace, ...dimensionNames] = (search.groups?.schema ?? '').split(',');
              if (namespace !== METRICS_NAMESPACE) continue;
              const terms = Object.fromEntries(
                [...(search.groups?.terms ?? '').matchAll(SEARCH_TERM)].map((t) => [
                  t.groups?.key ?? '',
                  t.groups?.value ?? '',
                ]),
              );
              const { MetricName: metricName, ...fixed } = terms;
              if (metricName === undefined) throw new Error(`a SEARCH without MetricName: ${expression}`);
              out.push({ expression, metricName, dimensionNames: dimensionNames.sort(), fixed });
            }
          }
  return out;
}

/** Whether an emitted metric is one a SEARCH finds: same name, exactly its dimensions, its fixed values. */
const found = (search: CustomMetricSearch, identity: CustomMetricIdentity): boolean =>
  identity.namespace === METRICS_NAMESPACE &&
  identity.metricName === search.metricName &&
  Object.keys(identity.dimensions).sort().join(',') === search.dimensionNames.join(',') &&
  Object.entries(search.fixed).every(([k, v]) => identity.dimensions[k] === v);

const context = {
  functionName: 'test',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

/** Metric identities the captured EMF lines carry. */
const emitted = new Map<string, CustomMetricIdentity>();

/** Records the metric identities of one EMF line. */
function captureLine(line: string): void {
  const emf = JSON.parse(line) as {
    _aws: {
      CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
    };
    [key: string]: unknown;
  };
  for (const directive of emf._aws.CloudWatchMetrics)
    for (const dimensionSet of directive.Dimensions)
      for (const metric of directive.Metrics) {
        const identity = {
          namespace: directive.Namespace,
          metricName: metric.Name,
          dimensions: Object.fromEntries(dimensionSet.map((d) => [d, String(emf[d])])),
        };
        emitted.set(metricKey(identity), identity);
      }
}

/** Sends a Metrics instance's EMF lines, and those of every single metric it makes, to {@link captureLine}. */
function capture(metrics: Observability['metrics']): void {
  (metrics as unknown as { console: { log(line: string): void } }).console = { log: captureLine };
  const singleMetric = metrics.singleMetric.bind(metrics);
  metrics.singleMetric = () => {
    const single = singleMetric();
    capture(single);
    return single;
  };
}

/** The production observability of a function, with its EMF output captured instead of printed. */
function capturedObservability(service: Parameters<typeof createObservability>[0]): Observability {
  const o = createObservability(service);
  capture(o.metrics);
  return o;
}

function proxyEvent(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  query: Record<string, string> | null = null,
) {
  return {
    httpMethod: method,
    path,
    resource: path,
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'contract-test', ...headers },
    multiValueHeaders: {},
    queryStringParameters: query,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: body === undefined ? null : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', identity: { sourceIp: '198.51.100.1' } },
  } as unknown as APIGatewayProxyEvent;
}

const base64 = (record: PipelineRecord) => Buffer.from(encodeRecord(record)).toString('base64');

/** A client whose every call fails, as DynamoDB or Kinesis would in an outage. */
const failing = <C>(client: C): C =>
  ({ ...client, send: () => Promise.reject(new Error('service unavailable')) }) as C;

/** A document client whose audit log writes fail (the registry's other items are written). */
const failingAuditWrites = <C extends { send: (command: never) => Promise<unknown> }>(client: C): C =>
  ({
    ...client,
    send: (command: { input?: { Item?: { pk?: unknown } } }) =>
      String(command.input?.Item?.pk ?? '').startsWith(AUDIT_LOG_KEY_PREFIX)
        ? Promise.reject(new Error('service unavailable'))
        : client.send(command as never),
  }) as C;

describe('metric contract between the functions and the dashboards and alarms', () => {
  const clients = localClients();
  let resources: LocalResources;
  let queried: Map<string, CustomMetricIdentity>;
  let searched: CustomMetricSearch[];
  const previousDisabled = process.env.POWERTOOLS_METRICS_DISABLED;

  beforeAll(async () => {
    // vitest.config.ts disables metrics for every other test.
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const platform = buildTestPlatform();
    queried = queriedCustomMetrics(platform);
    searched = searchedCustomMetrics(platform);
    resources = await createLocalResources(clients);
    const config = loadRuntimeConfig({ ...resources.env, [RUNTIME_ENV.jwtSecret]: JWT_SECRET });

    // The API functions: onboarding (admin), a click (ingest), a refused batch (4xx), an outage (5xx),
    // and a report (query).
    const admin = createApiLambda('admin', {
      config,
      clients,
      observability: capturedObservability('admin'),
    });
    const token = await signLocalToken(JWT_SECRET, { sub: 'op', role: 'owner', tenant: '*' });
    const bearer = { Authorization: `Bearer ${token}` };
    await admin(proxyEvent('POST', '/v1/tenants', { tenant_id: 'acme', name: 'acme' }, bearer), context);
    const app = await admin(
      proxyEvent(
        'POST',
        '/v1/tenants/acme/apps',
        {
          app_id: 'com.acme.game',
          store_urls: { android: 'https://play.google.com/store/apps/details?id=com.acme.game' },
        },
        bearer,
      ),
      context,
    );
    expect(app.statusCode).toBe(201);
    await admin(proxyEvent('POST', '/v1/tenants', undefined, bearer), context);
    // A change that succeeds while its audit entry cannot be written (AuditWriteFailures).
    const auditDown = createApiLambda('admin', {
      config,
      clients: { ...clients, documents: failingAuditWrites(clients.documents) },
      observability: capturedObservability('admin'),
    });
    const unaudited = await auditDown(
      proxyEvent('POST', '/v1/tenants', { tenant_id: 'initech', name: 'initech' }, bearer),
      context,
    );
    expect(unaudited.statusCode).toBe(201);

    const ingest = createApiLambda('ingest', {
      config,
      clients,
      observability: capturedObservability('ingest'),
    });
    const click = { network: 'meta', campaign: 'winter' };
    await ingest(proxyEvent('GET', '/v1/click/com.acme.game', undefined, {}, click), context);
    await ingest(proxyEvent('POST', '/v1/events', { events: [] }), context);
    const broken = createApiLambda('ingest', {
      config,
      clients: { ...clients, kinesis: failing(clients.kinesis) },
      observability: capturedObservability('ingest'),
    });
    const outage = await broken(proxyEvent('GET', '/v1/click/com.acme.game', undefined, {}, click), context);
    expect(outage.statusCode).toBeGreaterThanOrEqual(500);

    const query = createApiLambda('query', {
      config,
      clients,
      observability: capturedObservability('query'),
    });
    await query(
      proxyEvent('GET', '/v1/tenants/acme/apps/com.acme.game/reports/installs', undefined, bearer),
      context,
    );

    // The consumer: the click from the stream, then installs, an event, a reinstall, a duplicate, a
    // poisoned record; the same batch again (redelivered); and a batch during a table outage (failed).
    const device = adid();
    const organicDevice = adid();
    const touch = clickRecord({ advertisingId: device, timestampMs: T0 });
    const install = eventRecord({ advertisingId: device, type: 'install', timestampMs: T0 + HOUR });
    const records: KinesisStreamRecord[] = [
      ...(await readStream(clients.kinesis as KinesisClient, resources.stream)),
      ...[
        touch,
        install,
        eventRecord({ advertisingId: device, type: 'purchase', timestampMs: T0 + 2 * HOUR }),
        eventRecord({
          advertisingId: organicDevice,
          type: 'install',
          timestampMs: T0 + HOUR,
          // Another network and device: no click matches it, by id or by fingerprint.
          ip: '192.0.2.99',
          userAgent: 'Dalvik/2.1.0 (Linux; U; Android 13; SM-S911B Build/TP1A)',
          model: 'SM-S911B',
        }),
        eventRecord({ advertisingId: device, type: 'install', timestampMs: T0 + 30 * 24 * HOUR }),
        install,
      ].map((record, i) => kinesisRecord(base64(record), String(1000 + i))),
      kinesisRecord(Buffer.from('not json').toString('base64'), '2000'),
    ];
    const consumer = createConsumerLambda({
      config,
      clients,
      observability: capturedObservability('consumer'),
    });
    await consumer(kinesisEvent(records), context);
    await consumer(kinesisEvent(records), context);
    // Lifecycle outcomes over later batches: a click at the install millisecond (rejected as click
    // injection), a reinstall after 90 days of inactivity with a new click (reattribution), and an
    // event within 30 days of a retargeting click (re-engagement).
    const [rejected, lapsed, retargeted] = [adid(), adid(), adid()];
    const on = (device: string, n: number) => ({ advertisingId: device, ip: `198.51.100.${n}` });
    const batches: PipelineRecord[][] = [
      [
        clickRecord({ ...on(rejected, 11), timestampMs: T0 + 2 * HOUR }),
        eventRecord({ ...on(rejected, 11), type: 'install', timestampMs: T0 + 2 * HOUR }),
        eventRecord({ ...on(lapsed, 12), type: 'install', timestampMs: T0 }),
        eventRecord({ ...on(retargeted, 13), type: 'install', timestampMs: T0 }),
      ],
      [
        clickRecord({ ...on(lapsed, 12), network: 'google', timestampMs: T0 + 90 * DAY - HOUR }),
        eventRecord({ ...on(lapsed, 12), type: 'install', timestampMs: T0 + 90 * DAY }),
        clickRecord({
          ...on(retargeted, 13),
          network: 'criteo',
          retargeting: true,
          timestampMs: T0 + 40 * DAY,
        }),
      ],
      [eventRecord({ ...on(retargeted, 13), type: 'purchase', timestampMs: T0 + 60 * DAY })],
    ];
    for (const [b, batch] of batches.entries())
      await consumer(
        kinesisEvent(batch.map((record, i) => kinesisRecord(base64(record), String(4000 + 100 * b + i)))),
        context,
      );

    const outageConsumer = createConsumerLambda({
      config,
      clients: { ...clients, documents: failing(clients.documents) },
      observability: capturedObservability('consumer'),
    });
    await outageConsumer(
      kinesisEvent([kinesisRecord(base64(eventRecord({ advertisingId: adid() })), '3000')]),
      context,
    );

    // The write model (docs/deployment.md): a tenant homed in another region has its records forwarded
    // there (and a forward that fails is counted); a tenant moving here waits out its grace period.
    const homes = new DynamoTenantHomes({
      documents: clients.documents,
      tableName: config.tenantRegistryTable,
      defaultRegion: config.homeRegion,
    });
    for (const tenant of ['globex', 'movers'])
      await admin(proxyEvent('POST', '/v1/tenants', { tenant_id: tenant, name: tenant }, bearer), context);
    const elsewhere = config.region === 'eu-west-1' ? 'us-east-1' : 'eu-west-1';
    await homes.moveHome('globex', elsewhere, { graceSeconds: 0 });
    await homes.moveHome('movers', config.region, { graceSeconds: 3600 });
    const writeModelBatch = kinesisEvent(
      [
        eventRecord({ tenantId: 'globex', advertisingId: adid() }),
        eventRecord({ tenantId: 'movers', advertisingId: adid() }),
      ].map((record, i) => kinesisRecord(base64(record), String(5000 + i))),
    );
    const forwarded: string[] = [];
    const forwarding = createConsumerLambda({
      config,
      clients,
      observability: capturedObservability('consumer'),
      forwarder: { forward: async (region) => void forwarded.push(region) },
    });
    await forwarding(writeModelBatch, context);
    expect(forwarded).toEqual([elsewhere]);
    const forwardingDown = createConsumerLambda({
      config,
      clients,
      observability: capturedObservability('consumer'),
      forwarder: { forward: () => Promise.reject(new Error('the home region stream is unavailable')) },
    });
    await forwardingDown(writeModelBatch, context);

    // The postback sender's metrics port, as its Lambda builds it: one delivery of each outcome.
    const sender = capturedObservability('postbackSender');
    const port = emfDeliveryMetrics(sender.metrics);
    for (const status of ['sent', 'failed', 'dead', 'suppressed'] as const)
      port.delivered({ tenantId: 'acme', appId: 'com.acme.game', destinationId: 'backend', status });
    // An attempt that reached the destination also reports its latency, per destination.
    port.delivered({
      tenantId: 'acme',
      appId: 'com.acme.game',
      destinationId: 'backend',
      status: 'sent',
      latencyMs: 120,
    });
    sender.metrics.publishStoredMetrics();
  });

  afterAll(() => {
    process.env.POWERTOOLS_METRICS_DISABLED = previousDisabled;
  });

  it('queries custom metrics only in the namespace the functions emit to', () => {
    expect(queried.size).toBeGreaterThan(0);
    for (const identity of queried.values()) expect(identity.namespace).toBe(METRICS_NAMESPACE);
  });

  it('emits every custom metric a dashboard or alarm queries, with exactly its dimension set', () => {
    const missing = [...queried.keys()].filter((key) => !emitted.has(key));
    expect(missing).toEqual([]);
  });

  it('finds, for every SEARCH over the custom namespace, a metric emitted with exactly its dimensions', () => {
    // The postback latency by destination, one search per region.
    expect(searched.length).toBeGreaterThan(0);
    const empty = searched.filter((search) => ![...emitted.values()].some((m) => found(search, m)));
    expect(empty.map((s) => s.expression)).toEqual([]);
  });

  it('charts every metric the functions emit, or says why not', () => {
    const uncharted = new Set(UNCHARTED_METRICS.map(metricKey));
    const unread = [...emitted.entries()]
      .filter(([key, identity]) => !queried.has(key) && !searched.some((s) => found(s, identity)))
      .map(([key]) => key)
      .filter((key) => !uncharted.has(key));
    expect(unread).toEqual([]);
  });

  it('proves all 29 queried metrics and the 1 search non-empty by running the functions', () => {
    const proven = [...queried.keys()].filter((key) => emitted.has(key));
    // The figures docs/operations.md reports: 3 per API function and the admin function's audit write
    // failures, 15 of the consumer, 4 of the postback sender, and the sender's latency by destination
    // (the same search on each regional dashboard).
    expect(queried.size).toBe(29);
    expect(proven).toHaveLength(29);
    const searches = new Set(searched.map((s) => s.expression));
    expect(searches.size).toBe(1);
  });
});
