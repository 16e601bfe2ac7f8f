import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE, nextRetry } from '../../../src/domain/postbacks/backoff.js';

const HOUR = 3_600_000;

describe('postback retry schedule', () => {
  it('doubles the delay from 30 s, jittered between half the step and the step', () => {
    const at = (attempt: number, random: number) =>
      nextRetry({ attempt, createdAtMs: 0, nowMs: 0, random: () => random });
    expect(at(1, 0)).toEqual({ retry: true, delayMs: 15_000 });
    expect(at(1, 1)).toEqual({ retry: true, delayMs: 30_000 });
    expect(at(3, 1)).toEqual({ retry: true, delayMs: 120_000 });
  });

  it('never waits more than an hour between attempts', () => {
    expect(nextRetry({ attempt: 20, createdAtMs: 0, nowMs: 0, random: () => 1 })).toEqual({
      retry: true,
      delayMs: HOUR,
    });
  });

  it('stops when the next attempt would fall past 24 hours after the job was made', () => {
    expect(nextRetry({ attempt: 30, createdAtMs: 0, nowMs: 23.5 * HOUR, random: () => 1 })).toEqual({
      retry: false,
    });
    expect(nextRetry({ attempt: 30, createdAtMs: 0, nowMs: 22.9 * HOUR, random: () => 1 }).retry).toBe(true);
    expect(DEFAULT_RETRY_SCHEDULE.retryForMs).toBe(24 * HOUR);
  });
});
