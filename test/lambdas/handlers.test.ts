import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { signLocalToken } from '../../src/auth/jwt.js';
import { createApiLambda } from '../../src/composition/api.js';
import { createConsumerLambda } from '../../src/composition/consumer.js';
import { loadRuntimeConfig, RUNTIME_ENV } from '../../src/config/runtime.js';
import { JWT_SECRET, kinesisEvent, kinesisRecord } from '../support/api.js';
import { createLocalResources, type LocalResources, localClients } from '../support/local.js';

const context = {
  functionName: 'test',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

function proxyEvent(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path,
    headers: { 'Content-Type': 'application/json', ...headers },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: body === undefined ? null : JSON.stringify(body),
    isBase64Encoded: false,
    resource: path,
    requestContext: {
      requestId: 'req-1',
      identity: { sourceIp: '198.51.100.1' },
    } as APIGatewayProxyEvent['requestContext'],
  };
}

describe('Lambda entry points', () => {
  const clients = localClients();
  let resources: LocalResources;

  beforeAll(async () => {
    resources = await createLocalResources(clients);
  });

  it('serves API Gateway proxy events through Middy with the error shape', async () => {
    const config = loadRuntimeConfig({ ...resources.env, [RUNTIME_ENV.jwtSecret]: JWT_SECRET });
    const admin = createApiLambda('admin', { config, clients });
    const token = await signLocalToken(JWT_SECRET, { sub: 'op', role: 'owner', tenant: '*' });
    const created = await admin(
      proxyEvent('POST', '/v1/tenants', { tenant_id: 'acme' }, { Authorization: `Bearer ${token}` }),
      context,
    );
    expect(created.statusCode).toBe(201);
    expect(created.headers?.['x-request-id']).toBe('req-1');
    const malformed = await admin(
      { ...proxyEvent('POST', '/v1/tenants', undefined, { Authorization: `Bearer ${token}` }), body: '{' },
      context,
    );
    expect(malformed.statusCode).toBe(400);
    expect(JSON.parse(malformed.body).error.code).toBe('invalid_json');
    // The ingest function does not serve admin routes.
    const ingest = createApiLambda('ingest', { config, clients });
    expect((await ingest(proxyEvent('POST', '/v1/tenants', {}), context)).statusCode).toBe(404);
  });

  it('consumes a Kinesis event and reports a poisoned record nowhere but the quarantine', async () => {
    const config = loadRuntimeConfig(resources.env);
    const consumer = createConsumerLambda({ config, clients });
    const response = await consumer(
      kinesisEvent([kinesisRecord(Buffer.from('nope').toString('base64'), '1')]),
      context,
    );
    expect(response).toEqual({ batchItemFailures: [] });
  });
});
