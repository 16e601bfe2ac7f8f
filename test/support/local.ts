import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { type AwsClients, createAwsClients } from '../../src/adapters/clients.js';
import { createTables } from '../../src/adapters/dynamodb/create-tables.js';
import { createStream } from '../../src/adapters/kinesis/publisher.js';
import { createBucket } from '../../src/adapters/s3/lake-writer.js';
import { ENV } from '../../src/definitions/environment.js';
import { IDENTITY_GRAPH_TABLE, TENANT_REGISTRY_TABLE } from '../../src/definitions/tables.js';

/** Clients pointed at the local services the global setup started. */
export function localClients(): AwsClients {
  const endpoints = inject('localEndpoints');
  return createAwsClients({
    region: 'us-east-1',
    endpoints: { dynamodb: endpoints.dynamodb, kinesis: endpoints.kinesis, s3: endpoints.s3 },
  });
}

export interface LocalResources {
  readonly identityGraphTable: string;
  readonly tenantRegistryTable: string;
  readonly stream: string;
  readonly bucket: string;
  /** The environment a handler would get from the CDK stacks, pointed at these resources. */
  readonly env: Record<string, string>;
}

/** Creates fresh, uniquely named tables, a stream and a bucket for one test file. */
export async function createLocalResources(clients: AwsClients = localClients()): Promise<LocalResources> {
  const suffix = randomUUID().slice(0, 8);
  const identityGraphTable = `graph-${suffix}`;
  const tenantRegistryTable = `registry-${suffix}`;
  const stream = `ingest-${suffix}`;
  const bucket = `lake-${suffix}`;
  await Promise.all([
    createTables(clients.dynamodb as DynamoDBClient, [IDENTITY_GRAPH_TABLE, TENANT_REGISTRY_TABLE], {
      [IDENTITY_GRAPH_TABLE.logicalName]: identityGraphTable,
      [TENANT_REGISTRY_TABLE.logicalName]: tenantRegistryTable,
    }),
    createStream(clients.kinesis, stream, 2),
    createBucket(clients.s3, bucket),
  ]);
  const endpoints = inject('localEndpoints');
  return {
    identityGraphTable,
    tenantRegistryTable,
    stream,
    bucket,
    env: {
      [ENV.region]: 'us-east-1',
      [ENV.identityGraphTable]: identityGraphTable,
      [ENV.tenantRegistryTable]: tenantRegistryTable,
      [ENV.ingestStream]: stream,
      [ENV.lakeBucket]: bucket,
      [ENV.dynamodbEndpoint]: endpoints.dynamodb,
      [ENV.kinesisEndpoint]: endpoints.kinesis,
      [ENV.s3Endpoint]: endpoints.s3,
    },
  };
}
