import { describe, expect, it } from 'vitest';
import { InMemoryUsageCounters } from '../../src/adapters/memory/usage-counters.js';
import type { CounterShard } from '../../src/app/ports/usage-counters.js';
import { TooManyRequestsError } from '../../src/http/errors.js';
import {
  dayWindow,
  IngestLimiter,
  type LimitedApp,
  retryAfterSeconds,
  secondWindow,
} from '../../src/http/limits.js';

/** The in-memory counters, counting the writes they were asked for, and able to fail. */
class FakeCounters extends InMemoryUsageCounters {
  writes = 0;
  failing = false;

  override async add(counter: CounterShard, units: number, limit: number) {
    this.writes++;
    if (this.failing) throw new Error('table unavailable');
    return super.add(counter, units, limit);
  }

  /** A window's total over its shards. */
  total(counter: { key: string; endsAtMs: number }): number {
    return this.windowTotal(counter, 64);
  }
}

const T0 = Date.UTC(2026, 10, 29, 23, 59, 58, 250);
const app = (appId: string, settings: LimitedApp['settings'] = {}): LimitedApp => ({
  tenantId: 'acme',
  appId,
  settings,
});

function limiter(counters = new FakeCounters(), start = T0) {
  const clock = { now: start };
  return { counters, clock, limiter: new IngestLimiter({ counters, now: () => clock.now, firstShard: 0 }) };
}

async function refusal(promise: Promise<unknown>): Promise<TooManyRequestsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TooManyRequestsError);
  return error as TooManyRequestsError;
}

describe('windows', () => {
  it('are the UTC second and the UTC day, per app', () => {
    expect(secondWindow('a', T0)).toEqual({ key: `a#S#${Math.floor(T0 / 1000)}`, endsAtMs: T0 + 750 });
    expect(dayWindow('a', T0)).toEqual({ key: 'a#D#2026-11-29', endsAtMs: Date.UTC(2026, 10, 30) });
    expect(dayWindow('b', T0).key).toBe('b#D#2026-11-29');
  });

  it('answer Retry-After in whole seconds to the window end, at least 1', () => {
    expect(retryAfterSeconds(secondWindow('a', T0), T0)).toBe(1);
    expect(retryAfterSeconds(dayWindow('a', T0), T0)).toBe(2); // 1.75 s to midnight
    expect(retryAfterSeconds(dayWindow('a', Date.UTC(2026, 0, 1, 0, 0, 0)), Date.UTC(2026, 0, 1))).toBe(
      86_400,
    );
  });
});

describe('IngestLimiter.admitRequest', () => {
  it('admits rateLimitPerSecond requests a second, refuses the next with Retry-After, admits again next second', async () => {
    const { limiter: l, clock } = limiter();
    const limited = app('com.acme.game', { rateLimitPerSecond: 3 });
    for (let i = 0; i < 3; i++) await l.admitRequest(limited);
    const error = await refusal(l.admitRequest(limited));
    expect(error.statusCode).toBe(429);
    expect(error.code).toBe('rate_limited');
    expect(error.headers['retry-after']).toBe('1');
    expect(error.message).toContain('3 requests per second');
    clock.now += 750;
    await l.admitRequest(limited);
  });

  it('uses the default of 100 per second when the app sets none', async () => {
    const { limiter: l } = limiter();
    for (let i = 0; i < 100; i++) await l.admitRequest(app('x'));
    await refusal(l.admitRequest(app('x')));
  });

  it('refuses in memory, without a write, once a window is known to be exhausted', async () => {
    const { limiter: l, counters } = limiter();
    const limited = app('a', { rateLimitPerSecond: 1 });
    await l.admitRequest(limited);
    expect(counters.writes).toBe(1);
    await refusal(l.admitRequest(limited));
    await refusal(l.admitRequest(limited));
    expect(counters.writes).toBe(1);
  });

  it('keeps apps apart', async () => {
    const { limiter: l } = limiter();
    await l.admitRequest(app('a', { rateLimitPerSecond: 1 }));
    await refusal(l.admitRequest(app('a', { rateLimitPerSecond: 1 })));
    await l.admitRequest(app('b', { rateLimitPerSecond: 1 }));
  });

  it('admits (fails open) when the counters cannot be reached, and leaves them alone for 10 s', async () => {
    const counters = new FakeCounters();
    counters.failing = true;
    const { limiter: l, clock } = limiter(counters);
    for (let i = 0; i < 5; i++) await l.admitRequest(app('a', { rateLimitPerSecond: 1 }));
    expect(counters.writes).toBe(1);
    counters.failing = false;
    clock.now += 10_000;
    await l.admitRequest(app('a', { rateLimitPerSecond: 1 }));
    await refusal(l.admitRequest(app('a', { rateLimitPerSecond: 1 })));
    expect(counters.writes).toBe(2);
  });
});

describe('IngestLimiter.withinDailyQuota', () => {
  const publish = () => Promise.resolve('published');

  it('runs the work while the batch fits; refuses one that would pass the quota, without running it', async () => {
    const { limiter: l, counters } = limiter();
    const limited = app('a', { dailyEventQuota: 10 });
    await expect(l.withinDailyQuota(limited, 6, publish)).resolves.toBe('published');
    let ran = false;
    const error = await refusal(
      l.withinDailyQuota(limited, 5, async () => {
        ran = true;
      }),
    );
    expect(ran).toBe(false);
    expect(error.message).toContain('4 of its daily quota of 10 events left');
    expect(error.headers['retry-after']).toBe('2'); // to the next UTC midnight
    expect(counters.total(dayWindow('a', T0))).toBeLessThanOrEqual(10);
    await expect(l.withinDailyQuota(limited, 4, publish)).resolves.toBe('published');
    await refusal(l.withinDailyQuota(limited, 1, publish));
  });

  it('starts again on the next UTC day', async () => {
    const { limiter: l, clock } = limiter();
    const limited = app('a', { dailyEventQuota: 2 });
    await l.withinDailyQuota(limited, 2, publish);
    await refusal(l.withinDailyQuota(limited, 1, publish));
    clock.now = Date.UTC(2026, 10, 30, 0, 0, 0, 1);
    await expect(l.withinDailyQuota(limited, 2, publish)).resolves.toBe('published');
  });

  it('refuses a batch larger than the whole quota without a write', async () => {
    const { limiter: l, counters } = limiter();
    const error = await refusal(l.withinDailyQuota(app('a', { dailyEventQuota: 3 }), 4, publish));
    expect(error.message).toContain('more than');
    expect(counters.writes).toBe(0);
  });

  it('gives the events back when the work fails, without a write', async () => {
    const { limiter: l, counters } = limiter();
    const limited = app('a', { dailyEventQuota: 5 });
    await expect(
      l.withinDailyQuota(limited, 5, () => Promise.reject(new Error('stream down'))),
    ).rejects.toThrow('stream down');
    const writes = counters.writes;
    await expect(l.withinDailyQuota(limited, 5, publish)).resolves.toBe('published');
    expect(counters.writes).toBe(writes);
    await refusal(l.withinDailyQuota(limited, 1, publish));
  });

  it('writes nothing for an empty batch', async () => {
    const { limiter: l, counters } = limiter();
    await l.withinDailyQuota(app('a'), 0, publish);
    expect(counters.writes).toBe(0);
  });
});

describe('no hot counter item (issue 17)', () => {
  it('counts a thousand requests a second of one instance in a handful of writes, not one per request', async () => {
    // Prepare: one instance taking 1,000 requests spread over one second (1 ms apart).
    const { limiter: l, counters, clock } = limiter(new FakeCounters(), Date.UTC(2026, 10, 29, 12, 0, 0));
    const limited = app('busy', { rateLimitPerSecond: 1000, dailyEventQuota: 1_000_000 });

    // Act
    for (let i = 0; i < 1000; i++) {
      await l.admitRequest(limited);
      await l.withinDailyQuota(limited, 5, async () => undefined);
      clock.now += 1;
    }

    // Assess: leases of the instance's own demand, not a conditional write per check (2,000): each of
    // the 64 shards of the second holds 1/64 of the limit, the day's shards hold far more.
    expect(counters.writes).toBeLessThanOrEqual(64 + 10);
  });

  it('spreads a window over the shards: many instances never put every write on one item', async () => {
    // Prepare: 200 instances share the counters, each starting at its own shard.
    const counters = new FakeCounters();
    const clock = { now: Date.UTC(2026, 10, 29, 12, 0, 0) };
    const instances = Array.from(
      { length: 200 },
      (_, i) => new IngestLimiter({ counters, now: () => clock.now, firstShard: i }),
    );
    const limited = app('spread', { rateLimitPerSecond: 1000 });

    // Act: 3 requests on each instance in the same second.
    for (let round = 0; round < 3; round++)
      for (const instance of instances) await instance.admitRequest(limited);

    // Assess
    const busiest = Math.max(...counters.writesByEntry.values());
    expect(busiest).toBeLessThanOrEqual(Math.ceil((200 * 3) / 64) + 3);
    expect(counters.total(secondWindow('spread', clock.now))).toBeLessThanOrEqual(1000);
  });

  it('holds the limit in a window across instances, and stops writing once the window is exhausted', async () => {
    // Prepare: 10 instances, an app sending 5 times its limit.
    const counters = new FakeCounters();
    const clock = { now: Date.UTC(2026, 10, 29, 12, 0, 0) };
    const instances = Array.from(
      { length: 10 },
      (_, i) => new IngestLimiter({ counters, now: () => clock.now, firstShard: i * 6 }),
    );
    const limited = app('flood', { rateLimitPerSecond: 200 });

    // Act
    let admitted = 0;
    for (let i = 0; i < 1000; i++)
      await instances[i % 10]
        ?.admitRequest(limited)
        .then(() => admitted++)
        .catch(() => undefined);
    const writesWhenExhausted = counters.writes;
    for (let i = 0; i < 1000; i++) await instances[i % 10]?.admitRequest(limited).catch(() => undefined);

    // Assess: at most the limit, and each instance refuses in memory once it has given up on the window.
    expect(admitted).toBeLessThanOrEqual(200);
    expect(admitted).toBeGreaterThanOrEqual(180);
    expect(counters.writes - writesWhenExhausted).toBe(0);
  });

  it('takes one lease at a time per window: concurrent requests wait for it instead of refusing early', async () => {
    // Prepare: one instance, 300 requests at once (a busy Lambda instance of local mode's server).
    const { limiter: l, counters } = limiter(new FakeCounters(), Date.UTC(2026, 10, 29, 12, 0, 0));
    const limited = app('concurrent', { rateLimitPerSecond: 1000 });

    // Act
    const answers = await Promise.allSettled(Array.from({ length: 300 }, () => l.admitRequest(limited)));

    // Assess: all admitted (300 of 1,000), with fewer writes than requests.
    expect(answers.filter((a) => a.status === 'rejected')).toEqual([]);
    expect(counters.writes).toBeLessThan(300);
  });

  it('leases no more than what is left of a second, so little is stranded at its end', async () => {
    // Prepare: an instance busy for a whole second, then 100 ms before the end of the next.
    const { limiter: l, counters, clock } = limiter(new FakeCounters(), Date.UTC(2026, 10, 29, 12, 0, 0));
    const limited = app('tail', { rateLimitPerSecond: 1000 });
    for (let i = 0; i < 500; i++) {
      await l.admitRequest(limited);
      clock.now += 2;
    }
    clock.now = Date.UTC(2026, 10, 29, 12, 0, 1, 900);

    // Act
    await l.admitRequest(limited);

    // Assess: about 100 ms of its demand (500 a second), not a whole second of it.
    expect(counters.total(secondWindow('tail', clock.now))).toBeLessThanOrEqual(60);
  });
});

describe('refused leases in a day', () => {
  const publish = async () => 'published';

  it('pauses an instance for one lease period after 3 refused leases, not for the rest of the day', async () => {
    // Prepare: other instances filled shards 0 to 2 of a quota of 6,400 (100 a shard); the rest is free.
    const counters = new FakeCounters();
    const clock = { now: Date.UTC(2026, 10, 29, 12, 0, 0) };
    const window = dayWindow('uneven', clock.now);
    for (let shard = 0; shard < 3; shard++) await counters.add({ ...window, shard }, 100, 100);
    const l = new IngestLimiter({ counters, now: () => clock.now, firstShard: 0 });
    const limited = app('uneven', { dailyEventQuota: 6400 });

    // Act
    const first = await l.withinDailyQuota(limited, 10, publish).catch((e: unknown) => e);
    const writes = counters.writes;
    const paused = await l.withinDailyQuota(limited, 10, publish).catch((e: unknown) => e);
    clock.now += 10_000;
    const later = await l.withinDailyQuota(limited, 10, publish).catch((e: unknown) => e);

    // Assess
    expect(first).toBeInstanceOf(TooManyRequestsError);
    // It has seen 3 full shards of 64: it does not claim the quota is used up.
    expect((first as Error).message).toContain('has less than this batch of its daily quota');
    expect(paused).toBeInstanceOf(TooManyRequestsError);
    expect(later).toBe('published');
    // No write while paused; one lease (from shard 3) once the lease period is over.
    expect(counters.writes).toBe(writes + 1);
  });
});

describe('the daily quota answer with many instances', () => {
  it('tells what is left only once the instance has seen every shard, never its own shards’ total', async () => {
    // Prepare: 32 instances share a quota of 6,400 (100 a shard); each sends batches of 40 until refused.
    const counters = new FakeCounters();
    const clock = { now: Date.UTC(2026, 10, 29, 12, 0, 0) };
    const instances = Array.from(
      { length: 32 },
      (_, i) => new IngestLimiter({ counters, now: () => clock.now, firstShard: i * 2 }),
    );
    const limited = app('shared-quota', { dailyEventQuota: 6400 });
    const messages: string[] = [];
    for (let round = 0; round < 10; round++)
      for (const instance of instances)
        await instance
          .withinDailyQuota(limited, 40, async () => undefined)
          .catch((e: Error) => messages.push(e.message));

    // Assess: refusals came, and none claims more than a tenth of the quota is left (most say "less
    // than this batch": those instances have not seen every shard).
    const left = messages.map((m) => Number(/has (\d+) of its daily quota/.exec(m)?.[1] ?? 0));
    expect(messages.length).toBeGreaterThan(0);
    expect(Math.max(...left)).toBeLessThanOrEqual(640);
    expect(counters.total(dayWindow('shared-quota', clock.now))).toBeLessThanOrEqual(6400);
  });
});

describe('limits across regions (each region writes only its own counter items)', () => {
  const regions = ['us-east-1', 'eu-west-1'];
  const pair = () => {
    const table = new Map<string, number>();
    const clock = { now: Date.UTC(2026, 10, 29, 12, 0, 0) };
    const limiterIn = (region: string) =>
      new IngestLimiter({
        counters: new InMemoryUsageCounters({ table, region, otherRegions: regions }),
        now: () => clock.now,
        firstShard: 0,
      });
    return { table, clock, us: limiterIn('us-east-1'), eu: limiterIn('eu-west-1') };
  };
  const publish = async () => 'published';

  it('re-reads the other regions’ share of a day every 10 s once it is half used', async () => {
    // Prepare: the US admits 60 of 100; Europe reads that, then the US admits 30 more.
    const { clock, us, eu } = pair();
    const limited = app('both', { dailyEventQuota: 100 });
    await us.withinDailyQuota(limited, 60, publish);
    await eu.withinDailyQuota(limited, 1, publish);
    await us.withinDailyQuota(limited, 30, publish);

    // Act: Europe's allowance is used up within 10 s (stale: it still thinks 39 are left), then after.
    clock.now += 5_000;
    const within = await eu.withinDailyQuota(limited, 20, publish).catch((e: unknown) => e);
    clock.now += 10_000;
    const after = await eu.withinDailyQuota(limited, 20, publish).catch((e: unknown) => e);

    // Assess: the slack is what the US admitted since Europe's last read, no more.
    expect(within).toBe('published');
    expect(after).toBeInstanceOf(TooManyRequestsError);
  });

  it('holds a second’s rate limit in each region on its own requests', async () => {
    const { us, eu } = pair();
    const limited = app('burst', { rateLimitPerSecond: 2 });
    for (let i = 0; i < 2; i++) {
      await us.admitRequest(limited);
      await eu.admitRequest(limited);
    }
    await refusal(us.admitRequest(limited));
    await refusal(eu.admitRequest(limited));
  });
});
