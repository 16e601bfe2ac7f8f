import { describe, expect, it } from 'vitest';
import { runSoak } from '../../src/local/soak/driver.js';
import { FAULT_KINDS, parseFaults } from '../../src/local/soak/faults.js';

/**
 * A short soak through local mode with every fault on, at rates raised so that each strikes even in a
 * short run: nothing accepted may be lost or duplicated. (`npm run soak -- --events N` for long runs.)
 */

const RECORDS = Number(process.env.SOAK_TEST_RECORDS ?? 400);

describe('soak with every fault injected', () => {
  it(
    `loses and duplicates nothing of ${RECORDS} records`,
    async () => {
      const summary = await runSoak({
        events: RECORDS,
        seed: 7,
        faults: parseFaults('all'),
        // Small requests: more PutRecords calls for the Kinesis faults to strike.
        itemsPerRequest: 25,
        rates: {
          'dynamodb-throttle': 0.05,
          'dynamodb-timeout': 0.05,
          'kinesis-partial': 0.25,
          'kinesis-throttle': 0.1,
          'consumer-crash': 0.1,
        },
      });
      const failed = summary.report.checks.filter((c) => !c.ok);
      expect(failed).toEqual([]);
      expect(summary.report).toMatchObject({ ok: true, lost: 0, duplicated: 0 });
      expect(summary.accepted.events + summary.accepted.touchpoints).toBe(RECORDS);
      // Every fault struck at least once (the poisoned records and the restart are not random).
      for (const kind of FAULT_KINDS) expect(summary.injected[kind], kind).toBeGreaterThan(0);
      expect(summary.injected.poison).toBe(2);
      expect(summary.injected.restart).toBe(1);
    },
    15 * 60_000,
  );
});
