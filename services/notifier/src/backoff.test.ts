import { describe, expect, it } from 'vitest';
import { backoffMs, retryAfterMs } from './backoff.ts';

const policy = { initialMs: 500, maxMs: 30_000 };

describe('backoff between attempts', () => {
  it('doubles from initialMs up to maxMs, between half and all of the ceiling', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffMs(n, policy, () => 1));
    expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    const floors = [1, 2, 7].map((n) => backoffMs(n, policy, () => 0));
    expect(floors).toEqual([250, 500, 15_000]);
    expect(backoffMs(3, policy, () => 0.5)).toBe(1500);
  });

  it('honours Retry-After, but never beyond maxMs', () => {
    expect(backoffMs(1, policy, () => 0, 5000)).toBe(5000);
    expect(backoffMs(1, policy, () => 0, 600_000)).toBe(30_000);
    expect(backoffMs(4, policy, () => 1, 10)).toBe(4000);
  });

  it('reads Retry-After in seconds or as an HTTP date', () => {
    expect(retryAfterMs('3', 0)).toBe(3000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', Date.UTC(2026, 0, 1))).toBe(10_000);
    expect(retryAfterMs(null, 0)).toBeUndefined();
    expect(retryAfterMs('soon', 0)).toBeUndefined();
  });
});
