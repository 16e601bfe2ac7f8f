import type { APIGatewayProxyEvent, Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_POLICY_VARIABLE } from '../../lib/lake/lake-analytics.js';
import type { Platform } from '../../lib/platform.js';
import {
  createAthenaClient,
  createStsClient,
  type ObservedSdkCall,
  observeSdkCalls,
} from '../../src/adapters/clients.js';
import { sharedLocalDeliveryQueue } from '../../src/adapters/postbacks/local-queue.js';
import type { DeliveryRef } from '../../src/app/postbacks/ports.js';
import { signLocalToken } from '../../src/auth/jwt.js';
import { createApiLambda } from '../../src/composition/api.js';
import { createConsumerLambda } from '../../src/composition/consumer.js';
import { authorizerFunction } from '../../src/composition/functions.js';
import { postbackSenderFunction } from '../../src/composition/postback-sender.js';
import { loadRuntimeConfig, RUNTIME_ENV } from '../../src/config/runtime.js';
import { ENV } from '../../src/definitions/environment.js';
import { POSTBACK_ENV } from '../../src/definitions/postbacks.js';
import { type Receiver, startReceiver } from '../postbacks/receiver.js';
import { JWT_SECRET, kinesisEvent, readStream } from '../support/api.js';
import { FAKE_SECRET_STRING, type FakeAws, sessionKeyOf, startFakeAws } from '../support/fake-aws.js';
import { createLocalResources, type LocalResources, localClients } from '../support/local.js';
import { buildTestPlatform, configWith, regionOf, templateOf } from './support/platform.js';

/**
 * IAM coverage: every AWS SDK command a function issues while serving its routes (recorded by the SDK
 * middleware of `observeSdkCalls`, against the local services) maps to an IAM action and resource, and
 * the synthesised role of that function must allow it (nothing missing) and allow no data-plane action
 * on those services beyond the recorded ones and the few acknowledged below (nothing to narrow).
 */

/**
 * The functions, and the lake reader role: the query function's Athena calls are signed with a session
 * of it tagged with the tenant, so they are that role's calls (for tenant `acme`).
 */
type FunctionName = 'ingest' | 'query' | 'admin' | 'consumer' | 'sender' | 'lakeReader' | 'authorizer';
const FUNCTIONS: readonly FunctionName[] = [
  'ingest',
  'query',
  'admin',
  'consumer',
  'sender',
  'lakeReader',
  'authorizer',
];
/** The tenant of the lake reader sessions here. */
const TENANT = 'acme';

/** One permission a recorded call needs: an IAM action on a concrete ARN of the default dev platform. */
interface Need {
  readonly action: string;
  readonly arn: string;
}

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/**
 * Actions a function's role allows without them being exercised here, each with the reason the cloud
 * function needs it. Everything else a role allows on these services is an action recorded above: the
 * grants are explicit action lists (lib/stacks/function-access.ts), no aws-cdk-lib grant action group.
 */
const ESM = 'The event source mapping reads the stream as the function role.';
const SQS_ESM = 'The SQS event source mapping receives and deletes the jobs as the function role.';
const ATHENA =
  "Athena reads the tenant's partitions and writes its results with the session's credentials (the fake Athena does not).";
const UNEXERCISED: Readonly<Record<FunctionName, Readonly<Record<string, string>>>> = {
  ingest: {},
  query: {
    'dynamodb:PutItem':
      "A replay run's audit log entry; replay answers 503 here (no lake), test/http/audit-log.test.ts records one.",
  },
  lakeReader: {
    's3:GetBucketLocation': ATHENA,
    's3:ListBucket': ATHENA,
    's3:GetObject': ATHENA,
    's3:PutObject': ATHENA,
    's3:AbortMultipartUpload': ATHENA,
  },
  admin: {
    'sqs:SendMessage': 'A retry by hand re-enqueues a delivery; local mode uses its in-process queue.',
  },
  authorizer: {},
  sender: {
    'sqs:ReceiveMessage': SQS_ESM,
    'sqs:DeleteMessage': SQS_ESM,
    'sqs:GetQueueAttributes': SQS_ESM,
  },
  consumer: {
    'firehose:PutRecordBatch': 'Attribution delivery; local mode has no Firehose and writes the lake itself.',
    'kinesis:DescribeStream': ESM,
    'kinesis:DescribeStreamSummary': ESM,
    'kinesis:GetRecords': ESM,
    'kinesis:GetShardIterator': ESM,
    'kinesis:ListShards': ESM,
    'kinesis:PutRecords':
      "Write model: forwarding a tenant's records to its home region's stream (one region in this test).",
    'sqs:SendMessage':
      'Postback jobs and the on-failure destination go to SQS in the cloud; local mode uses its in-process queue.',
  },
};

/** Services whose actions are data-plane here: a role allows none of them unless recorded or acknowledged. */
const DATA_PLANE = /^(dynamodb|kinesis|s3|firehose|timestream|sqs|athena|sts|secretsmanager):/;

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
  if (service === 'athena') return `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${name}`;
  // Queue URLs of the test name the cloud queues: …/<account>/<queue name>.
  if (service === 'sqs') return `arn:aws:sqs:${REGION}:${ACCOUNT}:${name.split('/').pop()}`;
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
  if (service === 'sts' && command === 'AssumeRole') {
    const role = String(input.RoleArn);
    const tagged = Array.isArray(input.Tags) && input.Tags.length > 0;
    return [
      { action: 'sts:AssumeRole', arn: role },
      ...(tagged ? [{ action: 'sts:TagSession', arn: role }] : []),
    ];
  }
  if (service === 'athena') {
    const id = String(
      input.QueryExecutionId ?? (call.output as { QueryExecutionId?: string }).QueryExecutionId,
    );
    const workGroup = input.WorkGroup === undefined ? queryWorkGroups.get(id) : String(input.WorkGroup);
    if (workGroup === undefined) throw new Error(`no workgroup known for Athena query ${id}`);
    queryWorkGroups.set(id, workGroup);
    return [{ action: `athena:${command}`, arn: cloudArnOf(resources, 'athena', workGroup) }];
  }
  if (service === 'sqs')
    return [{ action: `sqs:${command}`, arn: cloudArnOf(resources, 'sqs', String(input.QueueUrl)) }];
  // A secret's ARN is its name and six random characters.
  if (service === 'secretsmanager')
    return [
      {
        action: `secretsmanager:${command}`,
        arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${String(input.SecretId)}-AbCdEf`,
      },
    ];
  throw new Error(`no IAM mapping for ${call.client} ${call.command}`);
}

/** Athena's Get* calls name a query execution: the workgroup its StartQueryExecution named. */
const queryWorkGroups = new Map<string, string>();

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** ARNs of a template's roles and queues by logical id: what a `Fn::GetAtt [id, Arn]` resolves to. */
type ArnsById = ReadonlyMap<string, string>;
function arnsById(template: ReturnType<typeof templateOf>): ArnsById {
  const arns = new Map<string, string>();
  for (const id of Object.keys(template.findResources('AWS::IAM::Role')))
    arns.set(id, `arn:aws:iam::${ACCOUNT}:role/${id}`);
  for (const [id, queue] of Object.entries(template.findResources('AWS::SQS::Queue')))
    arns.set(id, `arn:aws:sqs:${REGION}:${ACCOUNT}:${queue.Properties.QueueName}`);
  return arns;
}

/**
 * A resource of a policy statement as a glob: literal parts kept, a role's or queue's ARN resolved,
 * every other reference a `*`; the tenant policy variable replaced by `tenant` when one is given.
 */
function arnGlob(resource: unknown, arns: ArnsById = new Map(), tenant?: string): string {
  const glob = (() => {
    if (typeof resource === 'string') return resource;
    const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map((part) => (typeof part === 'string' ? part : '*')).join(join[0]);
    const getAtt = (resource as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (getAtt?.[1] === 'Arn') return arns.get(getAtt[0]) ?? '*';
    return '*';
  })();
  return tenant === undefined ? glob : glob.replaceAll(TENANT_POLICY_VARIABLE, tenant);
}

/** IAM wildcards: `*` any run of characters, `?` exactly one. */
const globMatches = (glob: string, value: string): boolean =>
  new RegExp(
    `^${glob
      .split('*')
      .map((p) =>
        p
          .split('?')
          .map((q) => q.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
          .join('.'),
      )
      .join('.*')}$`,
  ).test(value);

/** A role's statements, the template's ARNs, and the tenant of its sessions (the lake reader's). */
interface RolePolicy {
  readonly statements: readonly Statement[];
  readonly arns: ArnsById;
  readonly tenant?: string;
}

function allows(role: RolePolicy, need: Need): boolean {
  return role.statements.some(
    (st) =>
      st.Effect === 'Allow' &&
      [st.Action].flat().some((action) => globMatches(action, need.action)) &&
      [st.Resource]
        .flat()
        .some((resource) => globMatches(arnGlob(resource, role.arns, role.tenant), need.arn)),
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
    sender: [],
    lakeReader: [],
    authorizer: [],
  };
  /** The platform with service tokens (`auth.kind` `jwt-secret`): its token authorizer reads the secret. */
  let serviceTokenPlatform: Platform;
  let fakeAws: FakeAws;
  let receiver: Receiver;
  /** The postback jobs the consumers enqueued (local mode's queue, drained here). */
  const jobs: DeliveryRef[] = [];
  /** The lake reader role's ARN (its logical id stands for its name). */
  let lakeReaderArn: string;

  afterAll(async () => {
    sharedLocalDeliveryQueue().stop();
    await fakeAws?.close();
    await receiver?.close();
    delete process.env[POSTBACK_ENV.allowLoopback];
  });

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
    // The platform of the default config plus tenant acme with its own workgroup.
    platform = buildTestPlatform({
      account: ACCOUNT,
      tenants: [...configWith().tenants, { tenantId: TENANT, tier: 'pool' }],
    });
    const api = templateOf(regionOf(platform, REGION).api);
    templateOf(regionOf(platform, REGION).processing);
    // The role the query function's environment names is the one whose sessions read the lake.
    const queryFunction = Object.values(api.findResources('AWS::Lambda::Function')).find(
      (fn) => fn.Properties.FunctionName === 'unmogrowp-dev-query',
    );
    if (!queryFunction) throw new Error('no query function in the template');
    const [readerId] = queryFunction.Properties.Environment.Variables[ENV.lakeReaderRoleArn]['Fn::GetAtt'];
    lakeReaderArn = `arn:aws:iam::${ACCOUNT}:role/${readerId}`;

    fakeAws = await startFakeAws();
    receiver = await startReceiver();
    process.env[POSTBACK_ENV.allowLoopback] = '1';
    sharedLocalDeliveryQueue().start(async (ref) => {
      jobs.push(ref);
      return { outcome: 'skipped' };
    });
    resources = await createLocalResources(clients);
    const config = loadRuntimeConfig({ ...resources.env, [RUNTIME_ENV.jwtSecret]: JWT_SECRET });
    const owner = await signLocalToken(JWT_SECRET, { sub: 'op', role: 'owner', tenant: '*' });
    const bearer = { Authorization: `Bearer ${owner}` };
    const admin = createApiLambda('admin', { config, clients });
    // The ingest function of a two-region platform: its usage counters add the other region's shard.
    const ingest = createApiLambda('ingest', {
      config: loadRuntimeConfig({
        ...resources.env,
        [RUNTIME_ENV.jwtSecret]: JWT_SECRET,
        [ENV.regions]: `${REGION},eu-west-1`,
      }),
      clients,
    });
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
      const destinations = await admin(
        proxyEvent('PUT', '/v1/tenants/acme/apps/com.acme.game/postbacks', {
          body: {
            postbacks: [
              {
                id: 'backend',
                type: 'webhook',
                url: `${receiver.origin}/hook`,
                kinds: ['install'],
                events: ['*'],
              },
              {
                id: 'crm',
                type: 'webhook',
                url: `${receiver.origin}/crm`,
                kinds: ['install'],
                events: ['*'],
              },
            ],
          },
          headers: bearer,
        }),
        context,
      );
      expect(destinations.statusCode, destinations.body).toBe(200);
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
    // Second round: the same device reinstalls after a touchpoint from another network (reattribution),
    // through the S2S touchpoint route and an impression link, then consumed again.
    await as('ingest', async () => {
      const impression = await ingest(
        proxyEvent('GET', '/v1/impression/com.acme.game', {
          query: { network: 'tiktok', campaign: 'spring', advertising_id: adid },
        }),
        context,
      );
      expect(impression.statusCode).toBeLessThan(400);
      const touchpoints = await ingest(
        proxyEvent('POST', '/v1/touchpoints', {
          headers: { 'x-api-key': apiKey },
          body: {
            touchpoints: [
              {
                type: 'click',
                network: 'google',
                campaign: 'spring',
                timestamp: new Date().toISOString(),
                device: { platform: 'android', advertising_id: adid },
                ip: '203.0.113.9',
              },
            ],
          },
        }),
        context,
      );
      expect(touchpoints.statusCode).toBe(202);
      const reinstall = await ingest(
        proxyEvent('POST', '/v1/events', {
          headers: { 'x-api-key': apiKey },
          body: {
            events: [
              {
                event_id: crypto.randomUUID(),
                type: 'install',
                timestamp: new Date(Date.now() + 1000).toISOString(),
                device: { platform: 'android', advertising_id: adid, ip: '203.0.113.9' },
              },
            ],
          },
        }),
        context,
      );
      expect(reinstall.statusCode).toBe(202);
    });
    const more = (await readStream(clients.kinesis, resources.stream)).slice(records.length);
    expect(more.length).toBeGreaterThan(0);
    await as('consumer', () => consumer(kinesisEvent(more), context));

    // The postback sender sends the jobs the consumers enqueued: one destination refuses for now (the job
    // is retried later: its visibility is set), the other for good (dead-lettered).
    expect(jobs.length).toBeGreaterThanOrEqual(2);
    receiver.script('/hook', [503]);
    receiver.script('/crm', [400]);
    const queueUrl = `${fakeAws.endpoint}/${ACCOUNT}/unmogrowp-dev-postbacks`;
    process.env[POSTBACK_ENV.queueUrl] = queueUrl;
    process.env[POSTBACK_ENV.deadLetterQueueUrl] =
      `${fakeAws.endpoint}/${ACCOUNT}/unmogrowp-dev-postbacks-dlq`;
    const sender = postbackSenderFunction({
      config: loadRuntimeConfig({ ...resources.env, [RUNTIME_ENV.sqsEndpoint]: fakeAws.endpoint }),
    });
    delete process.env[POSTBACK_ENV.queueUrl];
    delete process.env[POSTBACK_ENV.deadLetterQueueUrl];
    const sqsEvent = {
      Records: jobs.map((ref, i) => ({
        messageId: `m${i}`,
        receiptHandle: `r${i}`,
        body: JSON.stringify(ref),
        attributes: {},
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:unmogrowp-dev-postbacks`,
        awsRegion: REGION,
      })),
    } as unknown as SQSEvent;
    const sent = await as('sender', () => sender(sqsEvent, context));
    expect(sent.batchItemFailures).toHaveLength(1);
    expect(fakeAws.requests.map((r) => `${r.service}:${r.operation}`).sort()).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:SendMessage',
    ]);
    await as('query', async () => {
      const today = new Date().toISOString().slice(0, 10);
      const report = await query(
        proxyEvent('GET', '/v1/reports/com.acme.game/installs', {
          headers: bearer,
          query: { from: today, to: today },
        }),
        context,
      );
      expect(report.statusCode).toBe(200);
      const replay = await query(
        proxyEvent('POST', '/v1/reports/com.acme.game/replay', {
          headers: bearer,
          body: { settings: {} },
        }),
        context,
      );
      expect(replay.statusCode).toBe(503);
    });
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
    // A report range older than the counters goes to Athena, signed with the tenant's lake reader session.
    const lakeConfig = loadRuntimeConfig({
      ...resources.env,
      [RUNTIME_ENV.jwtSecret]: JWT_SECRET,
      [RUNTIME_ENV.athenaEndpoint]: fakeAws.endpoint,
      [RUNTIME_ENV.stsEndpoint]: fakeAws.endpoint,
      [ENV.lakeReaderRoleArn]: lakeReaderArn,
      [ENV.tenantWorkgroups]: JSON.stringify({ [TENANT]: `unmogrowp-dev-${TENANT}-reports` }),
    });
    const queryLake = createApiLambda('query', {
      config: lakeConfig,
      clients: { ...clients, athena: createAthenaClient(lakeConfig), sts: createStsClient(lakeConfig) },
    });
    const before = fakeAws.requests.length;
    await as('query', async () => {
      const old = await queryLake(
        proxyEvent('GET', '/v1/reports/com.acme.game/installs', {
          headers: bearer,
          query: { from: '2020-01-01', to: '2020-01-31' },
        }),
        context,
      );
      expect(old.statusCode, old.body).toBe(200);
    });
    const lakeRequests = fakeAws.requests.slice(before);
    expect(lakeRequests.filter((r) => r.service === 'sts')).toHaveLength(1);
    const athenaRequests = lakeRequests.filter((r) => r.service === 'athena');
    expect(athenaRequests.length).toBeGreaterThan(0);
    // Every Athena call signed by the tenant's session, none by the function's own credentials.
    expect(new Set(athenaRequests.map((r) => r.accessKeyId))).toEqual(new Set([sessionKeyOf(TENANT)]));
    recorded.lakeReader.push(...recorded.query.filter((call) => call.client === 'AthenaClient'));
    recorded.query = recorded.query.filter((call) => call.client !== 'AthenaClient');

    // The token authorizer of service tokens reads the signing secret from Secrets Manager.
    const authorizer = authorizerFunction(
      loadRuntimeConfig({
        ...resources.env,
        [RUNTIME_ENV.jwtSecretId]: 'unmogrowp-dev-service-token',
        [RUNTIME_ENV.secretsManagerEndpoint]: fakeAws.endpoint,
      }),
    );
    const serviceToken = await signLocalToken(FAKE_SECRET_STRING, {
      sub: 'ci',
      role: 'admin',
      tenant: 'acme',
    });
    const verdict = await as('authorizer', () =>
      authorizer({
        type: 'TOKEN',
        authorizationToken: `Bearer ${serviceToken}`,
        methodArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:abc123/dev/GET/v1/tenants/acme`,
      }),
    );
    expect(verdict.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
    serviceTokenPlatform = buildTestPlatform({ account: ACCOUNT, auth: { kind: 'jwt-secret' } });
    templateOf(regionOf(serviceTokenPlatform, REGION).api);

    // Settings, key rotation, signing secret and privacy erasure.
    await as('admin', async () => {
      const appPath = '/v1/tenants/acme/apps/com.acme.game';
      expect((await admin(proxyEvent('GET', appPath, { headers: bearer }), context)).statusCode).toBe(200);
      const update = await admin(
        proxyEvent('PUT', appPath, { body: { name: 'Acme Game' }, headers: bearer }),
        context,
      );
      expect(update.statusCode).toBe(200);
      // Rotations: the old key kept an hour, then revoked at once, then deleted as expired by the next.
      for (const hours of [1, 0, 0]) {
        const rotate = await admin(
          proxyEvent('POST', `${appPath}/keys`, {
            body: { old_key_expires_in_hours: hours },
            headers: bearer,
          }),
          context,
        );
        expect(rotate.statusCode).toBeLessThan(300);
      }
      const secret = await admin(
        proxyEvent('POST', `${appPath}/signing-secret`, { headers: bearer }),
        context,
      );
      expect(secret.statusCode).toBeLessThan(300);
      // Spend (SPEC §8): cost rows and FX rates go to the lake under their own prefixes.
      const today = new Date().toISOString().slice(0, 10);
      const costs = await admin(
        proxyEvent('POST', '/v1/costs/com.acme.game', {
          body: { costs: [{ date: today, network: 'meta', campaign: 'winter', spend: 10, currency: 'USD' }] },
          headers: bearer,
        }),
        context,
      );
      expect(costs.statusCode).toBeLessThan(300);
      const rates = await admin(
        proxyEvent('PUT', '/v1/tenants/acme/fx-rates', {
          body: { rates: [{ date: today, from: 'EUR', to: 'USD', rate: 1.08 }] },
          headers: bearer,
        }),
        context,
      );
      expect(rates.statusCode).toBeLessThan(300);
      const erase = await admin(
        proxyEvent('POST', '/v1/privacy/erasure', {
          body: { app_id: 'com.acme.game', advertising_id: adid },
          headers: bearer,
        }),
        context,
      );
      expect(erase.statusCode).toBeLessThan(300);
      const requestId = JSON.parse(erase.body).request_id as string;
      const status = await admin(
        proxyEvent('GET', `/v1/privacy/erasure/${requestId}`, {
          headers: bearer,
          query: { tenant_id: 'acme' },
        }),
        context,
      );
      expect(status.statusCode).toBe(200);
    });
  });

  const roles = (): Record<FunctionName, RolePolicy> => {
    const region = regionOf(platform, REGION);
    const policyOf = (template: ReturnType<typeof templateOf>, rolePrefix: string, tenant?: string) => ({
      statements: Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((policy) =>
          (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref.startsWith(rolePrefix)),
        )
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]),
      arns: arnsById(template),
      ...(tenant === undefined ? {} : { tenant }),
    });
    return {
      ingest: policyOf(templateOf(region.api), 'IngestFunctionRole'),
      query: policyOf(templateOf(region.api), 'QueryFunctionRole'),
      admin: policyOf(templateOf(region.api), 'AdminFunctionRole'),
      lakeReader: policyOf(templateOf(region.api), 'LakeReaderRole', TENANT),
      consumer: policyOf(templateOf(region.processing), 'ConsumerRole'),
      sender: policyOf(templateOf(region.processing), 'PostbackSenderRole'),
      authorizer: policyOf(templateOf(regionOf(serviceTokenPlatform, REGION).api), 'BearerAuthorizer'),
    };
  };

  it.each(FUNCTIONS)('records the SDK calls of the %s function', (fn) => {
    expect(recorded[fn].length).toBeGreaterThan(0);
  });

  it.each(FUNCTIONS)('lets the %s function do everything it was seen doing (nothing missing)', (fn) => {
    const role = roles()[fn];
    const missing = recorded[fn]
      .flatMap((call) => needsOf(resources, call))
      .filter((need) => !LOCAL_ONLY(fn, need) && !allows(role, need))
      .map((need) => `${need.action} on ${need.arn}`);
    expect([...new Set(missing)]).toEqual([]);
  });

  it.each(FUNCTIONS)(
    'allows the %s function no data-plane action it was not seen using, unless acknowledged',
    (fn) => {
      const used = new Set(
        recorded[fn].flatMap((call) => needsOf(resources, call)).map((need) => need.action),
      );
      const allowed = roles()
        [fn].statements.filter((st) => st.Effect === 'Allow')
        .flatMap((st) => [st.Action].flat())
        .filter((action) => DATA_PLANE.test(action));
      const unused = [...new Set(allowed)].filter(
        (action) => ![...used].some((u) => globMatches(action, u)) && UNEXERCISED[fn][action] === undefined,
      );
      expect(unused).toEqual([]);
    },
  );

  it.each(FUNCTIONS)(
    'acknowledges for the %s function only actions its role allows (no stale reason)',
    (fn) => {
      const allowed = roles()
        [fn].statements.filter((st) => st.Effect === 'Allow')
        .flatMap((st) => [st.Action].flat());
      const stale = Object.keys(UNEXERCISED[fn]).filter(
        (action) => !allowed.some((a) => globMatches(a, action)),
      );
      expect(stale).toEqual([]);
    },
  );

  it("lets another tenant's lake reader session do none of what acme's did", () => {
    const other = { ...roles().lakeReader, tenant: 'other' };
    const needs = recorded.lakeReader
      .flatMap((call) => needsOf(resources, call))
      .filter((need) => need.arn.endsWith(`/unmogrowp-dev-${TENANT}-reports`));
    expect(needs.length).toBeGreaterThan(0);
    expect(needs.filter((need) => allows(other, need))).toEqual([]);
  });

  it('lets only the query function start lake reader sessions, each with the tenant tag', () => {
    const trust = Object.entries(templateOf(regionOf(platform, REGION).api).findResources('AWS::IAM::Role'))
      .filter(([id]) => lakeReaderArn.endsWith(`/${id}`))
      .map(([, role]) => role.Properties.AssumeRolePolicyDocument.Statement);
    expect(trust).toEqual([
      [
        expect.objectContaining({
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Principal: { AWS: { 'Fn::GetAtt': [expect.stringMatching(/^QueryFunctionRole/), 'Arn'] } },
          Condition: expect.objectContaining({ StringLike: { 'aws:RequestTag/tenant': '?*' } }),
        }),
      ],
    ]);
  });
});
