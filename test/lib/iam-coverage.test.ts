import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../lib/platform.js';
import { type ObservedSdkCall, observeSdkCalls } from '../../src/adapters/clients.js';
import { signLocalToken } from '../../src/auth/jwt.js';
import { createApiLambda } from '../../src/composition/api.js';
import { createConsumerLambda } from '../../src/composition/consumer.js';
import { loadRuntimeConfig, RUNTIME_ENV } from '../../src/config/runtime.js';
import { JWT_SECRET, kinesisEvent, readStream } from '../support/api.js';
import { createLocalResources, type LocalResources, localClients } from '../support/local.js';
import { buildTestPlatform, regionOf, templateOf } from './support/platform.js';

/**
 * IAM coverage: every AWS SDK command a function issues while serving its routes (recorded by the SDK
 * middleware of `observeSdkCalls`, against the local services) maps to an IAM action and resource, and
 * the synthesised role of that function must allow it (nothing missing) and allow no data-plane action
 * on those services beyond the recorded ones and the few acknowledged below (nothing to narrow).
 */

type FunctionName = 'ingest' | 'query' | 'admin' | 'consumer';

/** One permission a recorded call needs: an IAM action on a concrete ARN of the default dev platform. */
interface Need {
  readonly action: string;
  readonly arn: string;
}

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/**
 * Actions a function's role allows without them being exercised here, each with its reason. Those
 * marked `BROADER` come from the aws-cdk-lib `grantReadData` / `grantReadWriteData` / `grantRead`
 * action groups and are not used by the code: narrowing them to the recorded actions is open work;
 * this list keeps them from growing (a new unused action fails the test).
 */
const BROADER = 'BROADER: part of an aws-cdk-lib grant action group, not used by the code; to narrow.';
const DYNAMODB_READ_GROUP = [
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
];
const broader = (actions: readonly string[]) => Object.fromEntries(actions.map((a) => [a, BROADER]));
const UNEXERCISED: Readonly<Record<FunctionName, Readonly<Record<string, string>>>> = {
  ingest: {
    ...broader([
      ...DYNAMODB_READ_GROUP,
      'dynamodb:BatchGetItem',
      'kinesis:ListShards',
      'kinesis:DescribeStreamSummary',
    ]),
    'kinesis:PutRecord': 'Single-record put of the stream writer grant; the routes batch with PutRecords.',
    'dynamodb:Query': 'Key-hash lookups on the byApiKeyHash index after a cache miss.',
  },
  query: {
    ...broader([
      ...DYNAMODB_READ_GROUP,
      'dynamodb:GetItem',
      's3:Abort*',
      's3:PutObjectLegalHold',
      's3:PutObjectRetention',
      's3:PutObjectTagging',
      's3:PutObjectVersionTagging',
    ]),
    's3:GetBucketLocation':
      "Athena reads the lake with the caller's credentials (reports; the lake is not queried here).",
    's3:ListBucket': 'Athena lists the partitions it reads (reports).',
    's3:GetObject': 'Athena reads lake objects and its results (reports).',
    's3:PutObject': 'Athena writes query results under athena-results/ (reports).',
  },
  admin: {
    ...broader([
      ...DYNAMODB_READ_GROUP,
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'dynamodb:Query',
    ]),
    's3:PutObject': 'Erasure tombstones under erasures/ (privacy route, not exercised here).',
  },
  consumer: {
    ...broader([
      ...DYNAMODB_READ_GROUP,
      'dynamodb:DeleteItem',
      'kinesis:DescribeStreamConsumer',
      'kinesis:ListStreams',
      'kinesis:SubscribeToShard',
    ]),
    'firehose:PutRecord': 'Attribution delivery; local mode has no Firehose and writes the lake itself.',
    'firehose:PutRecordBatch': 'Attribution delivery; local mode has no Firehose and writes the lake itself.',
    'kinesis:DescribeStream': 'The event source mapping reads the stream as the function role.',
    'kinesis:DescribeStreamSummary': 'The event source mapping reads the stream as the function role.',
    'kinesis:GetRecords': 'The event source mapping reads the stream as the function role.',
    'kinesis:GetShardIterator': 'The event source mapping reads the stream as the function role.',
    'kinesis:ListShards': 'The event source mapping reads the stream as the function role.',
    'kinesis:PutRecord':
      "Write model: forwarding a tenant's records to its home region's stream (one region in this test).",
    'kinesis:PutRecords':
      "Write model: forwarding a tenant's records to its home region's stream (one region in this test).",
  },
};

/**
 * Calls of local mode that the cloud function does not make: without a delivery stream the consumer
 * writes raw and attribution rows to the lake bucket itself (in the cloud the raw Firehose and the
 * attribution Firehose do).
 */
const LOCAL_ONLY = (fn: FunctionName, need: Need): boolean =>
  fn === 'consumer' &&
  need.action === 's3:PutObject' &&
  /:::[^/]+\/(events|touchpoints|attributions)\//.test(need.arn);

const context = {
  functionName: 'iam-coverage',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

function proxyEvent(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; query?: Record<string, string> } = {},
): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path,
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'Mozilla/5.0 (Linux; Android 14)',
      ...options.headers,
    },
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: options.body === undefined ? null : JSON.stringify(options.body),
    isBase64Encoded: false,
    resource: path,
    requestContext: {
      requestId: 'req-1',
      identity: { sourceIp: '198.51.100.1' },
    } as APIGatewayProxyEvent['requestContext'],
  };
}

/** Concrete ARNs of the default dev platform in us-east-1, by the local resource a call addressed. */
function cloudArnOf(resources: LocalResources, service: string, name: string, sub = ''): string {
  const tables: Record<string, string> = {
    [resources.identityGraphTable]: 'unmogrowp-dev-identity-graph',
    [resources.tenantRegistryTable]: 'unmogrowp-dev-tenant-registry',
  };
  if (service === 'dynamodb') {
    const table = tables[name] ?? name;
    return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}${sub ? `/index/${sub}` : ''}`;
  }
  if (service === 'kinesis') return `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/unmogrowp-dev-ingest`;
  if (service === 's3') {
    const bucket = `unmogrowp-dev-lake-${ACCOUNT}-${REGION}`;
    return sub ? `arn:aws:s3:::${bucket}/${sub}` : `arn:aws:s3:::${bucket}`;
  }
  throw new Error(`no ARN mapping for ${service}`);
}

const DYNAMODB_ITEM_ACTIONS = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
} as const;

/** The IAM permissions one recorded SDK call needs. */
function needsOf(resources: LocalResources, call: ObservedSdkCall): Need[] {
  const input = call.input as Record<string, unknown>;
  const command = call.command.replace(/Command$/, '');
  const service = call.client.replace(/Client$/, '').toLowerCase();
  if (service === 'dynamodb') {
    if (command === 'TransactWriteItems' || command === 'TransactGetItems') {
      return (input.TransactItems as Record<string, { TableName: string }>[]).flatMap((item) =>
        Object.entries(item).map(([kind, op]) => ({
          action: `dynamodb:${DYNAMODB_ITEM_ACTIONS[kind as keyof typeof DYNAMODB_ITEM_ACTIONS]}`,
          arn: cloudArnOf(resources, 'dynamodb', op.TableName),
        })),
      );
    }
    if (command === 'BatchWriteItem' || command === 'BatchGetItem') {
      return Object.keys(input.RequestItems as object).map((table) => ({
        action: `dynamodb:${command}`,
        arn: cloudArnOf(resources, 'dynamodb', table),
      }));
    }
    return [
      {
        action: `dynamodb:${command}`,
        arn: cloudArnOf(
          resources,
          'dynamodb',
          String(input.TableName),
          input.IndexName as string | undefined,
        ),
      },
    ];
  }
  if (service === 'kinesis')
    return [
      { action: `kinesis:${command}`, arn: cloudArnOf(resources, 'kinesis', String(input.StreamName)) },
    ];
  if (service === 's3') {
    const action = command === 'ListObjectsV2' ? 's3:ListBucket' : `s3:${command}`;
    const key = input.Key === undefined ? '' : String(input.Key);
    return [{ action, arn: cloudArnOf(resources, 's3', String(input.Bucket), key) }];
  }
  throw new Error(`no IAM mapping for ${call.client} ${call.command}`);
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** A resource of a policy statement as a glob: literal parts kept, every reference a `*`. */
function arnGlob(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map((part) => (typeof part === 'string' ? part : '*')).join(join[0]);
  return '*';
}

const globMatches = (glob: string, value: string): boolean =>
  new RegExp(
    `^${glob
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);

function allows(statements: readonly Statement[], need: Need): boolean {
  return statements.some(
    (st) =>
      st.Effect === 'Allow' &&
      [st.Action].flat().some((action) => globMatches(action, need.action)) &&
      [st.Resource].flat().some((resource) => globMatches(arnGlob(resource), need.arn)),
  );
}

describe('IAM coverage of the functions', () => {
  const clients = localClients();
  let resources: LocalResources;
  let platform: Platform;
  const recorded: Record<FunctionName, ObservedSdkCall[]> = {
    ingest: [],
    query: [],
    admin: [],
    consumer: [],
  };

  /** Runs `work` as function `fn`: every SDK call meanwhile is recorded as that function's. */
  async function as<T>(fn: FunctionName, work: () => Promise<T>): Promise<T> {
    const stop = observeSdkCalls((call) => recorded[fn].push(call));
    try {
      return await work();
    } finally {
      stop();
    }
  }

  beforeAll(async () => {
    resources = await createLocalResources(clients);
    const config = loadRuntimeConfig({ ...resources.env, [RUNTIME_ENV.jwtSecret]: JWT_SECRET });
    const owner = await signLocalToken(JWT_SECRET, { sub: 'op', role: 'owner', tenant: '*' });
    const bearer = { Authorization: `Bearer ${owner}` };
    const admin = createApiLambda('admin', { config, clients });
    const ingest = createApiLambda('ingest', { config, clients });
    const query = createApiLambda('query', { config, clients });
    const consumer = createConsumerLambda({ config: loadRuntimeConfig(resources.env), clients });

    // Prepare: onboard a tenant and app, send a click, an install and a purchase, consume them, look up.
    const apiKey = await as('admin', async () => {
      await admin(
        proxyEvent('POST', '/v1/tenants', { body: { tenant_id: 'acme', name: 'acme' }, headers: bearer }),
        context,
      );
      const app = await admin(
        proxyEvent('POST', '/v1/tenants/acme/apps', {
          body: {
            app_id: 'com.acme.game',
            store_urls: { android: 'https://play.google.com/store/apps/details?id=com.acme.game' },
          },
          headers: bearer,
        }),
        context,
      );
      expect(app.statusCode).toBe(201);
      return JSON.parse(app.body).api_key as string;
    });
    const adid = crypto.randomUUID();
    await as('ingest', async () => {
      const click = await ingest(
        proxyEvent('GET', '/v1/click/com.acme.game', {
          query: { network: 'meta', campaign: 'winter', advertising_id: adid },
        }),
        context,
      );
      expect(click.statusCode).toBe(302);
      const events = await ingest(
        proxyEvent('POST', '/v1/events', {
          headers: { 'x-api-key': apiKey },
          body: {
            events: ['install', 'purchase'].map((type) => ({
              event_id: crypto.randomUUID(),
              type,
              timestamp: new Date().toISOString(),
              device: { platform: 'android', advertising_id: adid, ip: '203.0.113.9' },
              ...(type === 'purchase' ? { revenue: { amount: 1.99, currency: 'USD' } } : {}),
            })),
          },
        }),
        context,
      );
      expect(events.statusCode).toBe(202);
    });
    const records = await readStream(clients.kinesis, resources.stream);
    await as('consumer', () => consumer(kinesisEvent(records), context));
    await as('query', async () => {
      const lookup = await query(
        proxyEvent('GET', '/v1/attribution/com.acme.game', {
          headers: { 'x-api-key': apiKey },
          query: { advertising_id: adid },
        }),
        context,
      );
      expect(lookup.statusCode).toBe(200);
    });
    platform = buildTestPlatform({ account: ACCOUNT });
    templateOf(regionOf(platform, REGION).api);
    templateOf(regionOf(platform, REGION).processing);
  });

  const roles = (): Record<FunctionName, readonly Statement[]> => {
    const region = regionOf(platform, REGION);
    const statementsOf = (template: ReturnType<typeof templateOf>, rolePrefix: string) =>
      Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((policy) =>
          (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref.startsWith(rolePrefix)),
        )
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
    return {
      ingest: statementsOf(templateOf(region.api), 'IngestFunctionRole'),
      query: statementsOf(templateOf(region.api), 'QueryFunctionRole'),
      admin: statementsOf(templateOf(region.api), 'AdminFunctionRole'),
      consumer: statementsOf(templateOf(region.processing), 'ConsumerRole'),
    };
  };

  it.each(['ingest', 'query', 'admin', 'consumer'] as const)(
    'records the SDK calls of the %s function',
    (fn) => {
      expect(recorded[fn].length).toBeGreaterThan(0);
    },
  );

  it.each(['ingest', 'query', 'admin', 'consumer'] as const)(
    'lets the %s function do everything it was seen doing (nothing missing)',
    (fn) => {
      const statements = roles()[fn];
      const missing = recorded[fn]
        .flatMap((call) => needsOf(resources, call))
        .filter((need) => !LOCAL_ONLY(fn, need) && !allows(statements, need))
        .map((need) => `${need.action} on ${need.arn}`);
      expect([...new Set(missing)]).toEqual([]);
    },
  );

  it.each(['ingest', 'query', 'admin', 'consumer'] as const)(
    'allows the %s function no data-plane action it was not seen using, unless acknowledged',
    (fn) => {
      const used = new Set(
        recorded[fn].flatMap((call) => needsOf(resources, call)).map((need) => need.action),
      );
      const allowed = roles()
        [fn].filter((st) => st.Effect === 'Allow')
        .flatMap((st) => [st.Action].flat())
        .filter((action) => /^(dynamodb|kinesis|s3|firehose):/.test(action));
      const unused = [...new Set(allowed)].filter(
        (action) => ![...used].some((u) => globMatches(action, u)) && UNEXERCISED[fn][action] === undefined,
      );
      expect(unused).toEqual([]);
    },
  );
});
