import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalDeliveryQueue } from '../../src/adapters/postbacks/local-queue.js';
import { MemoryPostbackStore } from '../../src/adapters/postbacks/memory-store.js';
import { SafeHttpTransport } from '../../src/adapters/postbacks/safe-http-transport.js';
import { createSqsSenderHandler, SqsDeliveryQueue } from '../../src/adapters/postbacks/sqs-queue.js';
import { createPostbackDispatcher } from '../../src/app/postbacks/dispatcher.js';
import type { DeliveryRef } from '../../src/app/postbacks/ports.js';
import { createPostbackSender } from '../../src/app/postbacks/sender.js';
import type { Attribution } from '../../src/domain/attribution.js';
import type { Destination } from '../../src/domain/postbacks/destinations.js';
import type { DeliverySubject } from '../../src/domain/postbacks/jobs.js';
import { type Receiver, startReceiver } from './receiver.js';

const HOUR = 3_600_000;

const decision = (overrides: Partial<Attribution> = {}): Attribution => ({
  tenantId: 't1',
  appId: 'com.app',
  deviceId: 'dev_1',
  eventId: 'install-1',
  status: 'attributed',
  kind: 'install',
  source: { touchpointId: 'tp_1', network: 'meta', campaign: 'winter', networkClickId: 'c1' },
  match: 'click_id',
  installTimeMs: Date.parse('2026-11-20T10:00:00Z'),
  fraud: [],
  credits: { last_touch: [], first_touch: [], linear: [], time_decay: [], position_based: [] },
  explanation: [],
  ...overrides,
});

const subject = (overrides: Partial<Attribution> = {}): DeliverySubject => ({
  kind: 'decision',
  attribution: decision(overrides),
  device: { platform: 'android', advertisingId: 'adid-1' },
});

describe('postback sender', () => {
  let receiver: Receiver;
  let store: MemoryPostbackStore;
  let clockMs: number;
  const dead: DeliveryRef[] = [];

  const destinations = (): Destination[] => [
    { id: 'hook', type: 'webhook', url: `${receiver.origin}/hook`, kinds: ['install'], events: [] },
  ];
  const plan = async () => {
    const refs: DeliveryRef[] = [];
    await createPostbackDispatcher({
      configs: store,
      log: store,
      queue: { enqueue: async (r) => void refs.push(...r) },
      now: () => clockMs,
    })([subject()]);
    return refs;
  };
  const sender = () =>
    createPostbackSender({
      log: store,
      configs: store,
      transport: new SafeHttpTransport({ allowLoopback: true }),
      erasure: { isErased: async () => false },
      deadLetters: { deadLetter: async (ref) => void dead.push(ref) },
      now: () => clockMs,
      random: () => 1,
    });

  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());
  beforeEach(async () => {
    clockMs = Date.parse('2026-11-20T10:00:00Z');
    store = new MemoryPostbackStore(() => clockMs);
    await store.putDestinations('t1', 'com.app', destinations());
    dead.length = 0;
  });

  it('dead-letters a delivery after 24 hours of failures, backing off up to an hour between attempts', async () => {
    receiver.script('/hook', Array(100).fill(500));
    const [ref] = await plan();
    const send = sender();
    const delays: number[] = [];
    for (let i = 0; i < 100; i++) {
      const result = await send(ref as DeliveryRef);
      if (result.outcome !== 'retry') {
        expect(result.outcome).toBe('dead');
        break;
      }
      delays.push(result.delayMs);
      clockMs += result.delayMs;
    }
    expect(dead).toEqual([ref]);
    expect(delays.slice(0, 4)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(Math.max(...delays)).toBe(HOUR);
    expect(delays.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(24 * HOUR);
    expect(delays.reduce((a, b) => a + b, 0)).toBeGreaterThan(23 * HOUR);
    const record = await store.find('t1', 'com.app', (ref as DeliveryRef).jobId);
    expect(record).toMatchObject({
      status: 'dead',
      attempts: delays.length + 1,
      last: { responseCode: 500 },
    });
    receiver.script('/hook', []);
  });

  it('does not retry a receiver that answers 400: the request itself is refused', async () => {
    receiver.script('/hook', [400]);
    const [ref] = await plan();
    expect(await sender()(ref as DeliveryRef)).toEqual({ outcome: 'dead' });
    expect(dead).toHaveLength(1);
  });

  it('skips a job already sent (a duplicate message)', async () => {
    const [ref] = await plan();
    const before = receiver.received.length;
    expect(await sender()(ref as DeliveryRef)).toEqual({ outcome: 'sent' });
    expect(await sender()(ref as DeliveryRef)).toEqual({ outcome: 'skipped' });
    expect(receiver.received.length - before).toBe(1);
  });

  it('plans each (decision, destination) once, however often the record is redelivered', async () => {
    expect(await plan()).toHaveLength(1);
    expect(await plan()).toHaveLength(0);
  });

  it('plans a record that appears twice in one batch once', async () => {
    const refs: DeliveryRef[] = [];
    const dispatch = createPostbackDispatcher({
      configs: store,
      log: store,
      queue: { enqueue: async (r) => void refs.push(...r) },
      now: () => clockMs,
    });
    expect(await dispatch([subject(), subject()])).toEqual({ planned: 1, enqueued: 1, alreadyEnqueued: 0 });
    expect(refs).toHaveLength(1);
  });

  it('enqueues again a job created but not marked enqueued (a crash between the two steps)', async () => {
    const [ref] = await plan();
    const key = `t1#com.app#${(ref as DeliveryRef).jobId}`;
    const record = store.records.get(key);
    store.records.set(key, { ...(record as NonNullable<typeof record>), enqueued: false });
    expect(await plan()).toEqual([ref]);
  });

  it('retries through the local queue until the receiver answers 200', async () => {
    receiver.script('/hook', [503, 503]);
    const before = receiver.at('/hook').length;
    const queue = new LocalDeliveryQueue();
    queue.start(
      createPostbackSender({
        log: store,
        configs: store,
        transport: new SafeHttpTransport({ allowLoopback: true }),
        erasure: { isErased: async () => false },
        deadLetters: queue,
        schedule: { baseDelayMs: 5, maxDelayMs: 10 },
      }),
    );
    await createPostbackDispatcher({ configs: store, log: store, queue, now: Date.now })([
      subject({ eventId: 'install-q' }),
    ]);
    await queue.idle();
    queue.stop();
    expect(receiver.at('/hook').length - before).toBe(3);
  });
});

describe('SQS sender handler', () => {
  const sqs = mockClient(SQSClient);
  beforeEach(() => sqs.reset());

  const event = (bodies: string[]): SQSEvent => ({
    Records: bodies.map((body, i) => ({
      messageId: `m${i}`,
      receiptHandle: `r${i}`,
      body,
      attributes: {} as never,
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
      awsRegion: 'us-east-1',
    })),
  });

  it('reports a job to retry as failed, with its visibility set to the back-off delay', async () => {
    const outcomes: Record<string, { outcome: 'retry'; delayMs: number } | { outcome: 'sent' }> = {
      a: { outcome: 'retry', delayMs: 90_500 },
      b: { outcome: 'sent' },
    };
    const handle = createSqsSenderHandler({
      send: async (ref) => outcomes[ref.jobId] ?? { outcome: 'sent' },
      client: sqs as unknown as SQSClient,
      queueUrl: 'https://sqs/q',
    });
    const ref = (jobId: string) => JSON.stringify({ tenantId: 't', appId: 'a', jobId });
    const result = await handle(event([ref('a'), ref('b'), 'not json']));
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toEqual({
      QueueUrl: 'https://sqs/q',
      ReceiptHandle: 'r0',
      VisibilityTimeout: 91,
    });
  });

  it('reports a job that threw as failed, leaving its visibility to the queue', async () => {
    const handle = createSqsSenderHandler({
      send: async () => {
        throw new Error('DynamoDB unavailable');
      },
      client: sqs as unknown as SQSClient,
      queueUrl: 'https://sqs/q',
    });
    const result = await handle(event([JSON.stringify({ tenantId: 't', appId: 'a', jobId: 'x' })]));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm0' }]);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
  });

  it('dead-letters to the DLQ with the reason', async () => {
    await new SqsDeliveryQueue({
      client: sqs as unknown as SQSClient,
      queueUrl: 'q',
      deadLetterQueueUrl: 'dlq',
    }).deadLetter({ tenantId: 't', appId: 'a', jobId: 'j' }, 'out of retries (24 h)');
    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: 'dlq',
      MessageBody: JSON.stringify({ tenantId: 't', appId: 'a', jobId: 'j', reason: 'out of retries (24 h)' }),
    });
  });
});
