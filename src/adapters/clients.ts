import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';
import type { RuntimeConfig } from '../config/runtime.js';
import { StsTenantCredentials } from './sts/tenant-credentials.js';

/**
 * AWS SDK v3 client factories. Every adapter takes its client as a constructor argument; these build
 * them from the runtime config, pointing at local endpoints when the config has overrides.
 */

/** Credentials the local emulators accept (s3rver insists on its own pair; the others take anything). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface AwsClients {
  readonly dynamodb: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  readonly kinesis: KinesisClient;
  readonly s3: S3Client;
  readonly athena: AthenaClient;
  /** Set when the config names a lake reader role (the query function in the cloud). */
  readonly sts?: STSClient;
  readonly timestream?: TimestreamWriteClient;
  /** Set when the config names an attribution delivery stream (the cloud). */
  readonly firehose?: FirehoseClient;
}

type Endpoints = RuntimeConfig['endpoints'];

/** One AWS SDK call that succeeded, as a `SdkCallObserver` sees it. */
export interface ObservedSdkCall {
  /** e.g. `DynamoDBClient`. */
  readonly client: string;
  /** e.g. `TransactWriteItemsCommand`. */
  readonly command: string;
  /** The input as serialised (DynamoDB: `AttributeValue` maps, also behind the document client). */
  readonly input: unknown;
  /** The output as deserialised (DynamoDB: `AttributeValue` maps). */
  readonly output: unknown;
  /** HTTP body sizes, from `content-length` (0 when unknown, e.g. a streamed body). */
  readonly requestBytes: number;
  readonly responseBytes: number;
  /** When the attempt started (`performance.now()`) and how long it took, ms. */
  readonly startedMs: number;
  readonly durationMs: number;
}

export type SdkCallObserver = (call: ObservedSdkCall) => void;

const observers = new Set<SdkCallObserver>();

/**
 * Calls `observer` after every successful SDK call (each attempt) of the clients built here, until the
 * returned function is called. Local mode's cost meter uses it; with no observer the clients' extra
 * middleware only checks an empty set.
 */
export function observeSdkCalls(observer: SdkCallObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

const contentLength = (message: unknown): number =>
  Number((message as { headers?: Record<string, string> } | undefined)?.headers?.['content-length'] ?? 0) ||
  0;

const observerMiddleware: FinalizeRequestMiddleware<object, MetadataBearer> =
  (next, context) => async (args) => {
    if (observers.size === 0) return next(args);
    const startedMs = performance.now();
    const result = await next(args);
    const call: ObservedSdkCall = {
      client: String(context.clientName ?? ''),
      command: String(context.commandName ?? ''),
      input: args.input,
      output: result.output,
      requestBytes: contentLength(args.request),
      responseBytes: contentLength(result.response),
      startedMs,
      durationMs: performance.now() - startedMs,
    };
    for (const observer of observers) observer(call);
    return result;
  };

/** Adds the observer middleware, inside the retry loop so that each attempt is seen. */
export function observed<C extends { middlewareStack: { add(...args: never[]): void } }>(client: C): C {
  (
    client.middlewareStack as unknown as {
      add(m: typeof observerMiddleware, o: { step: 'finalizeRequest'; name: string; priority: 'low' }): void;
    }
  ).add(observerMiddleware, { step: 'finalizeRequest', name: 'unmogrowpSdkCallObserver', priority: 'low' });
  return client;
}

/** Client options of a region, pointing at a local endpoint (with the local credentials) when one is set. */
export function common(region: string, endpoint: string | undefined) {
  return endpoint ? { region, endpoint, credentials: LOCAL_CREDENTIALS } : { region };
}

export function createDynamoDbClient(region: string, endpoint?: string): DynamoDBClient {
  return observed(new DynamoDBClient({ ...common(region, endpoint), maxAttempts: 3 }));
}

export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export function createKinesisClient(region: string, endpoint?: string): KinesisClient {
  // Kinesalite speaks HTTP/1.1 only; the client's default handler would try HTTP/2 against it.
  return observed(
    new KinesisClient({
      ...common(region, endpoint),
      ...(endpoint ? { requestHandler: new NodeHttpHandler() } : {}),
    }),
  );
}

export function createS3Client(region: string, endpoint?: string): S3Client {
  return observed(
    new S3Client({ ...common(region, endpoint), ...(endpoint ? { forcePathStyle: true } : {}) }),
  );
}

/**
 * Every client the handlers use, built once per container (module scope in the Lambda entry points).
 * @example
 * const clients = createAwsClients(loadRuntimeConfig());
 */
export function createAwsClients(
  config: Pick<
    RuntimeConfig,
    'region' | 'endpoints' | 'timestream' | 'attributionDeliveryStream' | 'lakeReaderRoleArn'
  >,
): AwsClients {
  const e: Endpoints = config.endpoints;
  const dynamodb = createDynamoDbClient(config.region, e.dynamodb);
  return {
    dynamodb,
    documents: createDocumentClient(dynamodb),
    kinesis: createKinesisClient(config.region, e.kinesis),
    s3: createS3Client(config.region, e.s3),
    athena: observed(new AthenaClient(common(config.region, e.athena))),
    ...(config.lakeReaderRoleArn ? { sts: createStsClient(config) } : {}),
    ...(config.timestream
      ? { timestream: observed(new TimestreamWriteClient(common(config.region, e.timestream))) }
      : {}),
    ...(config.attributionDeliveryStream
      ? { firehose: observed(new FirehoseClient({ region: config.region })) }
      : {}),
  };
}

type ClientConfig = Pick<RuntimeConfig, 'region' | 'endpoints'>;

/*
 * Per-function client sets. A Lambda entry point builds only the clients its function uses, so its
 * bundle leaves the other SDK clients out (each is 10-100 KB minified); `createAwsClients` (local mode,
 * tests) builds them all.
 */

/** DynamoDB (registry, limits, identity graph) and Kinesis (the ingest stream): every API function. */
export function createApiCoreClients(
  config: ClientConfig,
): Pick<AwsClients, 'dynamodb' | 'documents' | 'kinesis'> {
  const dynamodb = createDynamoDbClient(config.region, config.endpoints.dynamodb);
  return {
    dynamodb,
    documents: createDocumentClient(dynamodb),
    kinesis: createKinesisClient(config.region, config.endpoints.kinesis),
  };
}

/** Athena, for report ranges older than the counters (the query function). */
export function createAthenaClient(config: ClientConfig): AthenaClient {
  return observed(new AthenaClient(common(config.region, config.endpoints.athena)));
}

/** STS, for the query function's lake reader sessions (regional endpoint). */
export function createStsClient(config: ClientConfig): STSClient {
  return observed(new STSClient(common(config.region, config.endpoints.sts)));
}

/**
 * One Athena client per tenant, built on first use, signing with the tenant's lake reader session
 * (`StsTenantCredentials`: cached, renewed before it expires).
 */
export function tenantAthenaClients(
  config: ClientConfig & { readonly lakeReaderRoleArn: string },
  sts: STSClient,
): (tenantId: string) => AthenaClient {
  const sessions = new StsTenantCredentials({ client: sts, roleArn: config.lakeReaderRoleArn });
  const clients = new Map<string, AthenaClient>();
  return (tenantId) => {
    let client = clients.get(tenantId);
    if (!client) {
      client = observed(
        new AthenaClient({
          region: config.region,
          ...(config.endpoints.athena ? { endpoint: config.endpoints.athena } : {}),
          credentials: () => sessions.credentialsFor(tenantId),
        }),
      );
      clients.set(tenantId, client);
    }
    return client;
  };
}

/** The attribution consumer's clients: DynamoDB, S3 (lake, quarantine), Firehose and Timestream when configured. */
export function createConsumerClients(
  config: Pick<RuntimeConfig, 'region' | 'endpoints' | 'timestream' | 'attributionDeliveryStream'>,
): Pick<AwsClients, 'dynamodb' | 'documents' | 's3' | 'timestream' | 'firehose'> {
  const e: Endpoints = config.endpoints;
  const dynamodb = createDynamoDbClient(config.region, e.dynamodb);
  return {
    dynamodb,
    documents: createDocumentClient(dynamodb),
    s3: createS3Client(config.region, e.s3),
    ...(config.timestream
      ? { timestream: observed(new TimestreamWriteClient(common(config.region, e.timestream))) }
      : {}),
    ...(config.attributionDeliveryStream
      ? { firehose: observed(new FirehoseClient({ region: config.region })) }
      : {}),
  };
}
