import { describe, expect, it } from 'vitest';
import { churnStartsWithin } from './churn-fit.ts';

describe('the outcome the churn risk is fitted to', () => {
  const DAY = 86_400_000;
  const days = (from: number, to: number) => (to - from) / DAY;
  it('is a churn-length gap starting within the horizon: in the current silence or after a last few orders', () => {
    // Silent since day 0, horizon 90: the silence reaches 90 days before the next order on day 100.
    expect(churnStartsWithin(10 * DAY, 90, [100 * DAY], 400 * DAY, days, 0)).toBe(1);
    // Fading: orders on days 20 and 50, then nothing to the end (day 400): the gap from day 50 starts within the horizon.
    expect(churnStartsWithin(10 * DAY, 90, [20 * DAY, 50 * DAY], 400 * DAY, days, 0)).toBe(1);
    // Still ordering every 30 days: no churn starts within the horizon.
    expect(
      churnStartsWithin(
        10 * DAY,
        90,
        [30, 60, 90, 120, 150].map((d) => d * DAY),
        400 * DAY,
        days,
        0,
      ),
    ).toBe(0);
    // A churn that starts only after the horizon is not this cut-off's.
    expect(
      churnStartsWithin(
        10 * DAY,
        90,
        [30, 60, 90, 110].map((d) => d * DAY),
        400 * DAY,
        days,
        0,
      ),
    ).toBe(0);
    // The span ends before the last gap is decided.
    expect(churnStartsWithin(10 * DAY, 90, [30 * DAY], 100 * DAY, days, 0)).toBeUndefined();
  });
});
