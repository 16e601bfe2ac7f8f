import { describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/adapters/clients.js';
import { FaultPlan, parseFaults } from '../../src/local/soak/faults.js';
import {
  type AcceptedRecords,
  compareIds,
  type LakeFact,
  reconcile,
  type StoreFacts,
} from '../../src/local/soak/reconcile.js';
import { sentEventOf, soakWorkload } from '../../src/local/soak/workload.js';

/** A consistent world: what the API accepted and stores that hold each of it exactly once. */
function world(): { accepted: AcceptedRecords; stores: StoreFacts } {
  const accepted: AcceptedRecords = {
    events: new Map([
      ['i1', { type: 'install' }],
      ['i2', { type: 'install' }],
      ['p1', { type: 'purchase', revenueCents: 499, currency: 'USD' }],
      ['l1', { type: 'level_complete' }],
    ]),
    touchpoints: new Set(['t1', 't2']),
    touchpointsInUnansweredAttempts: 0,
  };
  const raw: LakeFact[] = [
    { eventId: 'i1' },
    { eventId: 'i2' },
    { eventId: 'p1', revenueCents: 499, currency: 'USD' },
    { eventId: 'l1' },
  ];
  const stores: StoreFacts = {
    lake: {
      events: raw,
      touchpoints: [{ eventId: 't1' }, { eventId: 't2' }],
      attributions: [
        { eventId: 'i1', subject: 'install' },
        { eventId: 'i2', subject: 'install' },
        { eventId: 'p1', subject: 'event', revenueCents: 499, currency: 'USD' },
        { eventId: 'l1', subject: 'event' },
      ],
    },
    counters: new Map([
      ['installs', 2],
      ['organic', 1],
      ['events', 2],
      ['revenue#USD', 4.99],
    ]),
    poisonSent: ['poison-1'],
    quarantine: [{ reason: 'not JSON: unexpected end', data: '{"event_id":"poison-1"' }],
    deadLetterRecords: 0,
  };
  return { accepted, stores };
}

describe('soak reconciliation', () => {
  it('passes stores that hold every accepted record exactly once', () => {
    const { accepted, stores } = world();
    const report = reconcile(accepted, stores);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report).toMatchObject({ ok: true, lost: 0, duplicated: 0 });
  });

  it('detects an event missing from the lake (a planted loss)', () => {
    const { accepted, stores } = world();
    const report = reconcile(accepted, {
      ...stores,
      lake: { ...stores.lake, events: stores.lake.events.filter((f) => f.eventId !== 'l1') },
    });
    expect(report.ok).toBe(false);
    expect(report.lost).toBe(1);
    expect(report.checks.find((c) => c.check.startsWith('lake: raw events'))).toMatchObject({
      ok: false,
      lost: 1,
    });
  });

  it('detects an install attributed twice and its revenue counted twice (planted duplicates)', () => {
    const { accepted, stores } = world();
    const report = reconcile(accepted, {
      ...stores,
      lake: {
        ...stores.lake,
        attributions: [...stores.lake.attributions, { eventId: 'i2', subject: 'install' }],
        events: [...stores.lake.events, { eventId: 'p1', revenueCents: 499, currency: 'USD' }],
      },
    });
    expect(report.ok).toBe(false);
    expect(report.duplicated).toBe(2);
    const failed = report.checks.filter((c) => !c.ok).map((c) => c.check);
    expect(failed).toEqual([
      'lake: raw events, each accepted event once',
      'lake: install attributions, each install once',
      'revenue: lake raw events',
    ]);
  });

  it('detects counters that moved twice and a poisoned record not in the quarantine', () => {
    const { accepted, stores } = world();
    const report = reconcile(accepted, {
      ...stores,
      counters: new Map([...stores.counters, ['installs', 3]]),
      quarantine: [],
    });
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => !c.ok).map((c) => c.check)).toEqual([
      'graph: install counters (installs + rejected + reinstalls + reattributions)',
      'dead letters: poisoned records quarantined with a reason',
    ]);
  });

  it('allows unacknowledged touchpoints only up to those sent in unanswered attempts', () => {
    const { accepted, stores } = world();
    const extra = { ...stores.lake, touchpoints: [...stores.lake.touchpoints, { eventId: 't9' }] };
    expect(reconcile(accepted, { ...stores, lake: extra }).ok).toBe(false);
    expect(
      reconcile({ ...accepted, touchpointsInUnansweredAttempts: 1 }, { ...stores, lake: extra }).ok,
    ).toBe(true);
  });

  it('counts lost, duplicated and unknown ids', () => {
    expect(compareIds(['a', 'b', 'c'], ['a', 'a', 'a', 'c', 'x'])).toEqual({
      expected: 3,
      distinct: 3,
      total: 5,
      lost: 1,
      duplicated: 2,
      unknown: 1,
    });
  });
});

describe('soak workload and fault plan', () => {
  it('lays out exactly N records, the same for the same seed', () => {
    const a = soakWorkload({ records: 1234, seed: 3, nowMs: Date.UTC(2026, 10, 29) });
    const b = soakWorkload({ records: 1234, seed: 3, nowMs: Date.UTC(2026, 10, 29) });
    const total = a.requests.reduce((n, r) => n + r.items.length, 0);
    expect(total).toBe(1234);
    expect(a.counts.clicks + a.counts.impressions + a.counts.installs + a.counts.inAppEvents).toBe(1234);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.requests.every((r) => r.items.length <= 500)).toBe(true);
    const purchase = a.requests.flatMap((r) => r.items).find((i) => i.type === 'purchase');
    expect(purchase && sentEventOf(purchase).revenueCents).toBeGreaterThan(0);
  });

  it('parses fault lists and names an unknown fault', () => {
    expect([...parseFaults('none')]).toEqual([]);
    expect(parseFaults('all').size).toBe(7);
    expect([...parseFaults('poison,restart')]).toEqual(['poison', 'restart']);
    expect(() => parseFaults('poison,meteor')).toThrow(/unknown fault "meteor"/);
  });

  it('spaces faults at random intervals around 1 / rate calls, never close together', async () => {
    type Handler = (args: { input: unknown }) => Promise<{ output: unknown }>;
    const middlewares: ((next: Handler, context: { commandName?: string }) => Handler)[] = [];
    const client = { middlewareStack: { add: (m: (typeof middlewares)[number]) => middlewares.push(m) } };
    const plan = new FaultPlan(parseFaults('dynamodb-timeout'), 5, {
      'dynamodb-throttle': 0,
      'dynamodb-timeout': 0.1,
      'kinesis-partial': 0,
      'kinesis-throttle': 0,
      'consumer-crash': 0,
    });
    plan.instrument({ dynamodb: client, s3: client, kinesis: client } as unknown as AwsClients, 'consumer');
    let applied = 0;
    const call = middlewares[0]?.(
      async () => {
        applied++;
        return { output: {} };
      },
      { commandName: 'TransactWriteItemsCommand' },
    );
    const struck: number[] = [];
    for (let i = 0; i < 1000; i++) {
      await call?.({ input: {} }).catch((error: Error) => {
        expect(error.name).toBe('TimeoutError');
        struck.push(i);
      });
    }
    // A timed-out write was applied all the same: its answer is what got lost.
    expect(applied).toBe(1000);
    expect(struck.length).toBeGreaterThan(70);
    expect(struck.length).toBeLessThan(140);
    expect(plan.injected['dynamodb-timeout']).toBe(struck.length);
    for (let i = 1; i < struck.length; i++)
      expect((struck[i] ?? 0) - (struck[i - 1] ?? 0)).toBeGreaterThanOrEqual(5);
  });

  it('injects only the enabled faults', () => {
    const plan = new FaultPlan(parseFaults('none'), 1);
    expect(Object.values(plan.injected).every((n) => n === 0)).toBe(true);
  });
});
