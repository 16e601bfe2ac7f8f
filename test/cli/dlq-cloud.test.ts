import { randomUUID } from 'node:crypto';
import { GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createKinesisClient } from '../../src/adapters/clients.js';
import { SqsDeadLetters, streamNameOf } from '../../src/adapters/dead-letters/sqs.js';
import { createStream } from '../../src/adapters/kinesis/publisher.js';

const kinesis = createKinesisClient('us-east-1', inject('localEndpoints').kinesis);
const stream = `dlq-cloud-${randomUUID().slice(0, 8)}`;
const streamArn = `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`;
const sqs = mockClient(SQSClient);
const queueUrl = 'https://sqs.us-east-1.amazonaws.com/000000000000/consumer-dlq';

/** The body Lambda sends to an on-failure destination of a Kinesis event source mapping. */
const failureMessage = (shardId: string, start: string, end: string, batchSize: number) =>
  JSON.stringify({
    requestContext: { requestId: 'r1', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 4 },
    responseContext: { statusCode: 200, functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2026-11-29T04:00:00.000Z',
    KinesisBatchInfo: {
      shardId,
      startSequenceNumber: start,
      endSequenceNumber: end,
      approximateArrivalOfFirstRecord: '2026-11-29T03:59:00.000Z',
      approximateArrivalOfLastRecord: '2026-11-29T03:59:01.000Z',
      batchSize,
      streamArn,
    },
  });

let put: { shardId: string; sequenceNumber: string; data: string; partitionKey: string }[] = [];

/** The i-th record put in `beforeAll`. */
function rec(i: number) {
  const record = put[i];
  if (!record) throw new Error(`no record ${i}`);
  return record;
}

async function recordsOnStream(shardId: string): Promise<number> {
  const it = await kinesis.send(
    new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
  );
  return (
    (await kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }))).Records?.length ?? 0
  );
}

describe('SqsDeadLetters (SQS mocked, records on kinesalite)', () => {
  beforeAll(async () => {
    await createStream(kinesis, stream);
    const records = Array.from({ length: 6 }, (_, i) => ({
      partitionKey: 'device-1',
      data: Buffer.from(
        JSON.stringify({ kind: 'event', event: { tenantId: 't1', appId: 'a1', name: `e${i}` } }),
      ),
    }));
    const out = await kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: records.map((r) => ({ PartitionKey: r.partitionKey, Data: r.data })),
      }),
    );
    put = (out.Records ?? []).map((r, i) => ({
      shardId: r.ShardId ?? '',
      sequenceNumber: r.SequenceNumber ?? '',
      partitionKey: 'device-1',
      data: records[i]?.data.toString('base64') ?? '',
    }));
  });

  beforeEach(() => {
    sqs.reset();
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    sqs.on(DeleteMessageCommand).resolves({});
  });

  const letters = () =>
    new SqsDeadLetters({ sqs: new SQSClient({ region: 'us-east-1' }), kinesis, queueUrl });

  it('reads the records each message points to (start to end of one shard), and leaves the messages', async () => {
    const [a, c, d] = [rec(0), rec(2), rec(3)];
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          {
            MessageId: 'm1',
            ReceiptHandle: 'h1',
            Body: failureMessage(a.shardId, a.sequenceNumber, c.sequenceNumber, 3),
          },
        ],
      })
      .resolves({ Messages: [] });
    const [entry] = await letters().list();
    expect(entry).toMatchObject({
      id: 'm1',
      source: 'sqs',
      stream,
      reason: 'RetryAttemptsExhausted: Unhandled',
    });
    expect(entry?.records).toEqual(put.slice(0, 3).map(({ shardId: _, ...r }) => r));
    expect(entry?.records.map((r) => r.sequenceNumber)).not.toContain(d.sequenceNumber);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    // Only read: the message is made visible again at once.
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0]?.args[0].input.Entries).toEqual([
      { Id: '0', ReceiptHandle: 'h1', VisibilityTimeout: 0 },
    ]);
  });

  it('replays: puts the records back on the stream, then deletes the message; a letter it cannot read stays', async () => {
    const [b, c] = [rec(1), rec(2)];
    const shardId = b.shardId;
    const before = await recordsOnStream(shardId);
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          {
            MessageId: 'm2',
            ReceiptHandle: 'h2',
            Body: failureMessage(shardId, b.sequenceNumber, c.sequenceNumber, 2),
          },
          { MessageId: 'm3', ReceiptHandle: 'h3', Body: failureMessage('shardId-000000000099', '1', '2', 2) },
          { MessageId: 'm4', ReceiptHandle: 'h4', Body: 'not json' },
        ],
      })
      .resolves({ Messages: [] });
    const { replayed, skipped } = await letters().replay('all');
    expect(replayed.map((l) => [l.id, l.records.length])).toEqual([['m2', 2]]);
    expect(skipped.map((l) => l.id)).toEqual(['m3', 'm4']);
    expect(skipped[1]?.problem).toContain('not a Kinesis on-failure message');
    expect(await recordsOnStream(shardId)).toBe(before + 2);
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle)).toEqual(['h2']);
    const released = sqs
      .commandCalls(ChangeMessageVisibilityBatchCommand)
      .flatMap((c) => c.args[0].input.Entries ?? []);
    expect(released.map((e) => e.ReceiptHandle)).toEqual(['h3', 'h4']);
  });

  it('a dry run and an id filter put nothing and delete nothing', async () => {
    const a = rec(0);
    const before = await recordsOnStream(a.shardId);
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          {
            MessageId: 'm5',
            ReceiptHandle: 'h5',
            Body: failureMessage(a.shardId, a.sequenceNumber, a.sequenceNumber, 1),
          },
        ],
      })
      .resolves({ Messages: [] });
    const dry = await letters().replay(['m5'], { dryRun: true });
    expect(dry.replayed.map((l) => l.records.length)).toEqual([1]);
    await expect(letters().replay(['m-unknown'])).rejects.toThrow('no dead letter with id m-unknown');
    expect(await recordsOnStream(a.shardId)).toBe(before);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  it('names the stream of an ARN and refuses anything else', () => {
    expect(streamNameOf(streamArn)).toBe(stream);
    expect(() => streamNameOf('arn:aws:sqs:us-east-1:0:q')).toThrow('not a Kinesis stream ARN');
  });
});
