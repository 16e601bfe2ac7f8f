import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import type { ObservedSdkCall } from '../../src/adapters/clients.js';
import { awsWait, isNetworkClickIdItem, UsageMeter } from '../../src/cost/meter.js';

const KB = 1024;

function call(client: string, command: string, input: unknown, output: unknown = {}): ObservedSdkCall {
  return { client, command, input, output, requestBytes: 0, responseBytes: 0, startedMs: 0, durationMs: 1 };
}

describe('usage meter: DynamoDB units from the items', () => {
  it('bills a transaction of two small puts 4 WCU in its region and 2 standard units in each replica', () => {
    const meter = new UsageMeter();
    meter.observe(
      call('DynamoDBClient', 'TransactWriteItemsCommand', {
        TransactItems: [
          { Put: { TableName: 't', Item: marshall({ pk: 'E#1', sk: 'E' }) } },
          { Put: { TableName: 't', Item: marshall({ pk: 'D#1', sk: 'D', version: 1 }) } },
        ],
      }),
    );
    expect(meter.dynamodb.writeUnits).toBe(4);
    expect(meter.dynamodb.replicatedWriteUnits).toBe(2);
  });

  it('counts the shards of a counter row as one row and the signatures of an IP as one partition', () => {
    const meter = new UsageMeter();
    const row = (shard: number) => ({
      Update: {
        TableName: 't',
        Key: marshall({ pk: 'C#t#a#2026-11', sk: `2026-11-30#meta#spring#${shard}` }),
        UpdateExpression: 'ADD #m :v',
        ExpressionAttributeNames: { '#m': 'm#installs' },
        ExpressionAttributeValues: marshall({ ':v': 1 }),
      },
    });
    const touch = (signature: string) => ({
      PutRequest: {
        Item: marshall({ pk: 'S#t#a#10.0.0.1', sk: `${signature}#1700000000000#tp1`, data: '{}' }),
      },
    });
    for (const shard of [0, 1, 2])
      meter.observe(call('DynamoDBClient', 'TransactWriteItemsCommand', { TransactItems: [row(shard)] }));
    meter.observe(
      call('DynamoDBClient', 'BatchWriteItemCommand', {
        RequestItems: { t: [touch('android%7C14%7Cpixel8'), touch('android%7C%7C')] },
      }),
    );

    const classes = meter.keyClassWrites();

    expect(classes['counter row']).toMatchObject({ writes: 3, items: 1, hottestItemWrites: 3 });
    expect(classes['signature partition']).toMatchObject({ writes: 2, items: 1, hottestItemWrites: 2 });
  });

  it('bills a BatchWriteItem put of a 1.5 KB item 2 WCU, and nothing for an unprocessed one', () => {
    const meter = new UsageMeter();
    const big = { pk: 'M#a', sk: '1', data: 'x'.repeat(1500) };
    const small = { pk: 'M#b', sk: '1' };
    meter.observe(
      call(
        'DynamoDBClient',
        'BatchWriteItemCommand',
        { RequestItems: { t: [{ PutRequest: { Item: big } }, { PutRequest: { Item: small } }] } },
        { UnprocessedItems: { t: [{ PutRequest: { Item: small } }] } },
      ),
    );
    expect(meter.dynamodb.writeUnits).toBe(2);
  });

  it('bills a strongly consistent BatchGetItem of 3 keys, one 5 KB item found: 2 + 2 missing = 4 RCU', () => {
    const meter = new UsageMeter();
    meter.observe(
      call(
        'DynamoDBClient',
        'BatchGetItemCommand',
        { RequestItems: { t: { Keys: [{}, {}, {}], ConsistentRead: true } } },
        { Responses: { t: [{ pk: 'D#1', sk: 'D', z: 'y'.repeat(5 * KB) }] } },
      ),
    );
    expect(meter.dynamodb.readUnits).toBe(4);
  });

  it('halves an eventually consistent read: a 1 KB GetItem is 0.5 RCU', () => {
    const meter = new UsageMeter();
    meter.observe(
      call('DynamoDBClient', 'GetItemCommand', {}, { Item: marshall({ pk: 'a', v: 'z'.repeat(900) }) }),
    );
    expect(meter.dynamodb.readUnits).toBe(0.5);
  });
});

describe('usage meter: stream and lake records', () => {
  it('counts a 26 KB Kinesis record as 2 PUT payload units, 26 KB on demand, 30 KB of raw Firehose', () => {
    const meter = new UsageMeter();
    meter.observe(
      call(
        'KinesisClient',
        'PutRecordsCommand',
        { Records: [{ Data: new Uint8Array(26 * KB) }, { Data: new Uint8Array(10) }] },
        { Records: [{}, { ErrorCode: 'ProvisionedThroughputExceededException' }] },
      ),
    );
    expect(meter.kinesis).toEqual({ records: 1, bytes: 26 * KB, payloadUnits: 2, onDemandBytes: 26 * KB });
    expect(meter.firehose.raw).toEqual({ records: 1, bytes: 26 * KB, billedBytes: 30 * KB });
  });

  it('turns each attribution row the local lake receives into one Firehose record of at least 5 KB', () => {
    const meter = new UsageMeter();
    meter.observe(
      call('S3Client', 'PutObjectCommand', {
        Key: 'attributions/tenant_id=demo/app_id=com.demo.game/dt=2026-11-29/b.json',
        Body: '{"subject":"install"}\n{"subject":"event"}\n',
      }),
    );
    expect(meter.firehose.attributions.records).toBe(2);
    expect(meter.firehose.attributions.billedBytes).toBe(10 * KB);
    expect(meter.lakeBytes().byTable.attributions).toBe(42);
  });
});

describe('usage meter: Lambda duration in the cloud', () => {
  it('replaces each wave of overlapping AWS calls by one cloud round trip of its slowest service', () => {
    const latency = (s: string) => (s === 'S3' ? 30 : 8);
    const wait = awsWait(
      [
        { startMs: 0, endMs: 100, service: 'DynamoDB' },
        { startMs: 50, endMs: 150, service: 'S3' },
        { startMs: 200, endMs: 300, service: 'DynamoDB' },
      ],
      latency,
    );
    expect(wait).toEqual({ localMs: 250, cloudMs: 38 });
  });

  it('prices an invocation of 400 ms with 250 ms of AWS waits as 150 ms + the cloud round trips', async () => {
    const meter = new UsageMeter({ cloudLatencyMs: { DynamoDB: 10 } });
    meter.recordInvocation('consumer', 400, [
      { startMs: 0, endMs: 100, service: 'DynamoDB' },
      { startMs: 200, endMs: 350, service: 'DynamoDB' },
    ]);
    expect(meter.lambda.get('consumer')).toMatchObject({
      invocations: 1,
      durationMs: 400,
      awsWaitMs: 250,
      cloudDurationMs: 170,
      billedDurationMs: 170,
    });
    expect(meter.usage(1, 0).lambda.consumer).toEqual({
      invocations: 1,
      billedDurationMs: 170,
      memoryMb: 1024,
    });
  });

  it('attributes the AWS calls made inside an invocation to it', async () => {
    const meter = new UsageMeter();
    await meter.invoke('ingest', async () => {
      meter.observe({ ...call('DynamoDBClient', 'GetItemCommand', {}, {}), startedMs: performance.now() });
    });
    meter.observe(call('DynamoDBClient', 'GetItemCommand', {}, {}));
    const ingest = meter.lambda.get('ingest');
    expect(ingest?.invocations).toBe(1);
    expect(ingest?.awsWaitMs).toBeCloseTo(1, 5);
    expect(meter.calls.get('DynamoDB.GetItem')?.requests).toBe(2);
  });
});

describe('network click id items', () => {
  it("counts the match item of a network's own click id, not the one under our touchpoint id", () => {
    expect(isNetworkClickIdItem('M#acme#com.app#click#meta-0123456789ab')).toBe(true);
    expect(isNetworkClickIdItem(`M#acme#com.app#click#${'0a'.repeat(16)}`)).toBe(false);
    expect(isNetworkClickIdItem('M#acme#com.app#adid#0123')).toBe(false);
    expect(isNetworkClickIdItem('D#acme#com.app#dev1')).toBe(false);
  });
});
