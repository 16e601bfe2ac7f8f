import type { KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createHomeRegionConsumer } from '../../src/adapters/kinesis/home-region-consumer.js';
import { encodeRecord } from '../../src/adapters/kinesis/publisher.js';
import { decideHome, type TenantHome } from '../../src/app/home-region.js';
import type { PipelineRecord } from '../../src/domain/records.js';
import { kinesisEvent, kinesisRecord } from '../support/api.js';
import { eventRecord } from '../support/factories.js';

const HOMES: Record<string, TenantHome> = {
  local: { region: 'us-east-1' },
  remote: { region: 'eu-west-1' },
  moving: { region: 'us-east-1', sinceMs: 2_000 },
};

const streamRecord = (record: PipelineRecord, sequence: string) =>
  kinesisRecord(Buffer.from(encodeRecord(record), 'utf8').toString('base64'), sequence);

const batch = (...tenants: string[]) =>
  kinesisEvent(
    tenants.map((tenantId, i) => streamRecord(eventRecord({ tenantId, eventId: `e${i}` }), String(i + 1))),
  );

function harness(options: { forwardFails?: boolean; nowMs?: number } = {}) {
  const consumed: string[][] = [];
  const forwarded: string[] = [];
  const consumer = createHomeRegionConsumer({
    region: 'us-east-1',
    homes: { homeOf: async (tenantId) => HOMES[tenantId] ?? { region: 'us-east-1' } },
    forwarder: {
      async forward(region, records) {
        if (options.forwardFails) throw new Error('ServiceUnavailable');
        for (const r of records) forwarded.push(`${region}:${r.kind === 'event' ? r.event.eventId : ''}`);
      },
    },
    consume: async (event: KinesisStreamEvent) => {
      consumed.push(event.Records.map((r) => r.kinesis.sequenceNumber));
      return { batchItemFailures: [] };
    },
    now: () => options.nowMs ?? 10_000,
  });
  return { consumer, consumed, forwarded };
}

describe('the home-region rule', () => {
  it('writes in the home region once its grace period is over, waits before, forwards elsewhere', () => {
    expect(decideHome({ region: 'us-east-1' }, 'us-east-1', 0)).toEqual({ action: 'write' });
    expect(decideHome({ region: 'us-east-1', sinceMs: 5 }, 'us-east-1', 4)).toEqual({
      action: 'wait',
      untilMs: 5,
    });
    expect(decideHome({ region: 'us-east-1', sinceMs: 5 }, 'us-east-1', 5)).toEqual({ action: 'write' });
    expect(decideHome({ region: 'eu-west-1' }, 'us-east-1', 0)).toEqual({
      action: 'forward',
      region: 'eu-west-1',
    });
  });
});

describe('the home-region consumer', () => {
  it('consumes the home tenants and forwards the others', async () => {
    const { consumer, consumed, forwarded } = harness();

    const response = await consumer(batch('local', 'remote', 'local'));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(consumed).toEqual([['1', '3']]);
    expect(forwarded).toEqual(['eu-west-1:e1']);
  });

  it('stops at a failed forward: consumes only what precedes it and reports it failed', async () => {
    const { consumer, consumed } = harness({ forwardFails: true });

    const response = await consumer(batch('local', 'remote', 'local'));

    expect(consumed).toEqual([['1']]);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
  });

  it("holds back a moving tenant's records, and what follows them, until its grace period ends", async () => {
    const during = harness({ nowMs: 1_000 });
    const after = harness({ nowMs: 3_000 });

    const held = await during.consumer(batch('local', 'moving', 'local'));
    const released = await after.consumer(batch('local', 'moving', 'local'));

    expect(during.consumed).toEqual([['1']]);
    expect(held).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
    expect(after.consumed).toEqual([['1', '2', '3']]);
    expect(released).toEqual({ batchItemFailures: [] });
  });

  it('lets the local consumer quarantine an undecodable record (its tenant is unknown)', async () => {
    const { consumer, consumed } = harness();

    await consumer(kinesisEvent([kinesisRecord(Buffer.from('nope').toString('base64'), '7')]));

    expect(consumed).toEqual([['7']]);
  });
});
