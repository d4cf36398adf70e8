import { describe, expect, it } from 'vitest';
import { backoffMs } from './retry-backoff';

const settings = { baseMs: 5_000, maxMs: 300_000 };
const lowest = () => 0;
const highest = () => 1;

describe('backoffMs', () => {
  it('doubles from the base with each wait', () => {
    expect([0, 1, 2, 3, 4, 5].map((retry) => backoffMs(retry, settings, highest))).toEqual([
      5_000, 10_000, 20_000, 40_000, 80_000, 160_000,
    ]);
  });

  it('never waits longer than the cap, however many waits came before', () => {
    expect(backoffMs(6, settings, highest)).toBe(300_000);
    expect(backoffMs(50, settings, highest)).toBe(300_000);
    expect(backoffMs(Number.MAX_SAFE_INTEGER, settings, highest)).toBe(300_000);
  });

  it('spreads the waits over the upper half, so jobs an outage stopped together do not come back together', () => {
    expect(backoffMs(0, settings, lowest)).toBe(2_500);
    expect(backoffMs(3, settings, () => 0.5)).toBe(30_000);
    expect(backoffMs(50, settings, lowest)).toBe(150_000);
  });

  it('grows across waits whatever the jitter draws', () => {
    // The most a wait can be is the least the one two steps later can be, until the cap.
    for (let retry = 0; retry < 4; retry++) {
      expect(backoffMs(retry + 2, settings, lowest)).toBeGreaterThanOrEqual(
        backoffMs(retry, settings, highest),
      );
    }
  });

  it('takes a negative count as the first wait', () => {
    expect(backoffMs(-3, settings, highest)).toBe(5_000);
  });
});
