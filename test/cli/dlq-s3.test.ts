import { randomUUID } from 'node:crypto';
import { GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createKinesisClient, createS3Client } from '../../src/adapters/clients.js';
import { S3DeadLetters } from '../../src/adapters/dead-letters/s3.js';
import { SqsDeadLetters } from '../../src/adapters/dead-letters/sqs.js';
import { createStream } from '../../src/adapters/kinesis/publisher.js';
import { createBucket } from '../../src/adapters/s3/lake-writer.js';
import { run } from '../../src/cli/dlq.js';

/**
 * Failed records stay replayable past the stream's retention (issue 12, item 8): letters kept in S3 with
 * their payloads, as Lambda's S3 on-failure destination writes them or as `dlq capture` copies them.
 */

const endpoints = inject('localEndpoints');
const kinesis = createKinesisClient('us-east-1', endpoints.kinesis);
const s3 = createS3Client('us-east-1', endpoints.s3);
const stream = `dlq-s3-${randomUUID().slice(0, 8)}`;
const streamArn = `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`;
const bucket = `dlq-${randomUUID().slice(0, 8)}`;
const sqs = mockClient(SQSClient);

const event = (name: string) =>
  Buffer.from(JSON.stringify({ kind: 'event', event: { tenantId: 't1', appId: 'a1', name } })).toString(
    'base64',
  );

/** An invocation record as Lambda's S3 on-failure destination writes it: metadata plus the payload. */
const lambdaS3Record = (names: string[]) =>
  JSON.stringify({
    requestContext: { requestId: 'r1', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 4 },
    responseContext: { statusCode: 200, functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2026-11-29T04:00:00.000Z',
    KinesisBatchInfo: {
      shardId: 'shardId-000000000000',
      startSequenceNumber: '1',
      endSequenceNumber: String(names.length),
      batchSize: names.length,
      streamArn,
    },
    payload: JSON.stringify({
      Records: names.map((name, i) => ({
        eventSourceARN: streamArn,
        kinesis: { sequenceNumber: String(i + 1), partitionKey: `device-${i}`, data: event(name) },
      })),
    }),
  });

async function recordsOnStream(): Promise<string[]> {
  const it = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: stream,
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
  return (out.Records ?? []).map(
    (r) => JSON.parse(Buffer.from(r.Data ?? new Uint8Array()).toString()).event.name,
  );
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  try {
    return { code: await run(args), out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

const source = () => [
  '--bucket',
  bucket,
  '--region',
  'us-east-1',
  '--endpoint-s3',
  endpoints.s3,
  '--kinesis-endpoint',
  endpoints.kinesis,
];

describe('npx unmogrowp dlq with letters kept in S3', () => {
  beforeAll(async () => {
    await createStream(kinesis, stream);
    await createBucket(s3, bucket);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'dead-letters/shardId-000000000000/1.json',
        Body: lambdaS3Record(['purchase-1', 'purchase-2']),
      }),
    );
  });

  afterEach(() => vi.restoreAllMocks());

  it('lists a letter with its records read from the kept payload, not from the stream', async () => {
    const { code, out } = await cli('list', ...source(), '--json');

    expect(code).toBe(0);
    const [letter] = JSON.parse(out);
    expect(letter).toMatchObject({
      id: 'dead-letters/shardId-000000000000/1.json',
      source: 's3',
      stream,
      reason: 'RetryAttemptsExhausted: Unhandled',
    });
    expect(letter.records).toHaveLength(2);
  });

  it('replays the records onto their stream once, then reports the letter as replayed', async () => {
    // Act
    const first = await cli('replay', ...source(), '--all');
    const again = await cli('replay', ...source(), '--all');
    const listed = await cli('list', ...source());

    // Assess
    expect(first.code).toBe(0);
    expect(first.out).toContain('replayed 1 letters (2 records)');
    expect(again.out).toContain('replayed 0 letters (0 records)');
    expect(await recordsOnStream()).toEqual(['purchase-1', 'purchase-2']);
    expect(listed.out).toMatch(/replayed \d{4}-/);
  });

  it('captures SQS pointers into S3 with their payloads, then deletes the messages', async () => {
    // Prepare: two records on the stream, and the SQS pointer Lambda sent for them.
    const put = await kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: [
          { PartitionKey: 'device-9', Data: Buffer.from(event('late-1'), 'base64') },
          { PartitionKey: 'device-9', Data: Buffer.from(event('late-2'), 'base64') },
        ],
      }),
    );
    const [a, b] = put.Records ?? [];
    sqs.reset();
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    sqs.on(DeleteMessageCommand).resolves({});
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          {
            MessageId: 'm1',
            ReceiptHandle: 'h1',
            Body: JSON.stringify({
              timestamp: '2026-11-29T05:00:00.000Z',
              requestContext: { condition: 'RecordAgeExceeded' },
              KinesisBatchInfo: {
                shardId: a?.ShardId,
                startSequenceNumber: a?.SequenceNumber,
                endSequenceNumber: b?.SequenceNumber,
                batchSize: 2,
                streamArn,
              },
            }),
          },
        ],
      })
      .resolves({ Messages: [] });
    const kept = new S3DeadLetters({ s3, kinesis, bucket, prefix: 'captured/' });
    const letters = new SqsDeadLetters({
      sqs: new SQSClient({ region: 'us-east-1' }),
      kinesis,
      queueUrl: 'q',
    });

    // Act
    const { captured } = await letters.capture((entry, arn) => kept.keep(entry, arn).then(() => undefined));
    const [stored] = await kept.list();

    // Assess
    expect(captured.map((l) => l.id)).toEqual(['m1']);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(1);
    expect(stored).toMatchObject({ source: 's3', stream, reason: 'RecordAgeExceeded' });
    expect(
      stored?.records.map((r) => JSON.parse(Buffer.from(r.data, 'base64').toString()).event.name),
    ).toEqual(['late-1', 'late-2']);
  });

  it('shows a pointer-only record as not replayable from S3, naming the other source', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'pointers/1.json',
        Body: JSON.stringify({ KinesisBatchInfo: { shardId: 's', streamArn } }),
      }),
    );
    const [letter] = await new S3DeadLetters({ s3, kinesis, bucket, prefix: 'pointers/' }).list();

    expect(letter?.problem).toContain('carries no payload');
  });

  it('prints the usage and exits 0 for `dlq list --help` (it exited 2)', async () => {
    const { code, out } = await cli('list', '--help');

    expect(code).toBe(0);
    expect(out).toContain('npx unmogrowp dlq list');
  });
});
