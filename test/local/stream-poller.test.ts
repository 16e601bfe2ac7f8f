import type { Server } from 'node:http';
import { CreateStreamCommand, DescribeStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import kinesalite from 'kinesalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKinesisClient } from '../../src/adapters/clients.js';
import { freePort } from '../../src/local/services.js';
import { type DeadLetter, StreamPoller } from '../../src/local/stream-poller.js';

let server: Server;
let client: ReturnType<typeof createKinesisClient>;

beforeAll(async () => {
  const port = await freePort();
  server = kinesalite({ createStreamMs: 0 });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  client = createKinesisClient('us-east-1', `http://127.0.0.1:${port}`);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let streamCount = 0;
async function streamWith(values: readonly string[]): Promise<string> {
  const name = `poller-${++streamCount}`;
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  for (let i = 0; i < 50; i++) {
    const d = await client.send(new DescribeStreamCommand({ StreamName: name }));
    if (d.StreamDescription?.StreamStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await client.send(
    new PutRecordsCommand({
      StreamName: name,
      Records: values.map((v) => ({ Data: Buffer.from(v), PartitionKey: 'one-device' })),
    }),
  );
  return name;
}

const decode = (event: KinesisStreamEvent) =>
  event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString('utf8'));

describe('local stream poller (event source mapping semantics)', () => {
  it('delivers every record once, in order, in batches of at most batchSize', async () => {
    const values = Array.from({ length: 25 }, (_, i) => `r${i}`);
    const streamName = await streamWith(values);
    const seen: string[] = [];
    const batchSizes: number[] = [];
    const poller = new StreamPoller({
      client,
      streamName,
      batchSize: 10,
      idleMs: 10,
      handler: async (event) => {
        batchSizes.push(event.Records.length);
        seen.push(...decode(event));
      },
    });
    poller.start();
    await poller.drain();
    await poller.stop();
    expect(seen).toEqual(values);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(10);
    expect(poller.processedRecords).toBe(25);
  });

  it('restarts a batch from the first reported failure and does not redeliver records before it', async () => {
    const streamName = await streamWith(['a', 'b', 'c', 'd']);
    const deliveries: string[][] = [];
    let failedOnce = false;
    const poller = new StreamPoller({
      client,
      streamName,
      idleMs: 10,
      handler: async (event) => {
        const values = decode(event);
        deliveries.push(values);
        const c = event.Records[values.indexOf('c')];
        if (!failedOnce && c) {
          failedOnce = true;
          return { batchItemFailures: [{ itemIdentifier: c.kinesis.sequenceNumber }] };
        }
        return { batchItemFailures: [] };
      },
    });
    poller.start();
    await poller.drain();
    await poller.stop();
    expect(deliveries).toEqual([
      ['a', 'b', 'c', 'd'],
      ['c', 'd'],
    ]);
  });

  it('sends only the poisoned record to the dead-letter sink after the retries, and moves on', async () => {
    const streamName = await streamWith(['ok-1', 'poison', 'ok-2']);
    const handled: string[] = [];
    const letters: DeadLetter[] = [];
    const poller = new StreamPoller({
      client,
      streamName,
      idleMs: 10,
      maxRetries: 2,
      handler: async (event) => {
        const values = decode(event);
        if (values.includes('poison')) throw new Error('cannot decode');
        handled.push(...values);
      },
      onDeadLetter: (letter) => {
        letters.push(letter);
      },
    });
    poller.start();
    await poller.drain();
    await poller.stop();
    expect(handled).toEqual(['ok-1', 'ok-2']);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.records.map((r) => Buffer.from(r.data, 'base64').toString())).toEqual(['poison']);
    expect(letters[0]?.reason).toMatch(/failed 3 times on its batch and 3 times alone/);
  });

  it('retries a record that fails alone before dead-lettering it: a transient fault loses nothing', async () => {
    const streamName = await streamWith(['ok-1', 'flaky', 'ok-2']);
    const handled: string[] = [];
    const letters: DeadLetter[] = [];
    // The record fails with its batch until the retries are exhausted, then once more alone.
    let flakyFailures = 0;
    const poller = new StreamPoller({
      client,
      streamName,
      idleMs: 10,
      maxRetries: 2,
      handler: async (event) => {
        const values = decode(event);
        if (values.includes('flaky') && flakyFailures < 4) {
          flakyFailures++;
          throw new Error('throttled');
        }
        handled.push(...values);
      },
      onDeadLetter: (letter) => {
        letters.push(letter);
      },
    });
    poller.start();
    await poller.drain();
    await poller.stop();
    expect(letters).toEqual([]);
    expect(handled.sort()).toEqual(['flaky', 'ok-1', 'ok-2']);
    expect(poller.processedRecords).toBe(3);
  });
});
