import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, sleep } from './backoff.ts';

describe('backoffDelay', () => {
  const policy = { initialMs: 200, maxMs: 5000 };

  it('doubles from initialMs for each attempt and stops at maxMs', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, policy))).toEqual([200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('stays at the cap for any number of attempts, and treats a negative one as the first', () => {
    expect(backoffDelay(1_000_000, policy)).toBe(5000);
    expect(backoffDelay(Number.MAX_SAFE_INTEGER, { initialMs: 0, maxMs: 5000 })).toBe(0);
    expect(backoffDelay(-3, policy)).toBe(200);
  });

  it('without jitter never draws a random number', () => {
    const random = vi.fn(() => 0.5);
    backoffDelay(2, policy, random);
    backoffDelay(2, { ...policy, jitter: 'none' }, random);
    expect(random).not.toHaveBeenCalled();
  });

  it('with equal jitter waits between half and all of the capped wait', () => {
    const jittered = { ...policy, jitter: 'equal' as const };
    expect([0, 3, 9].map((a) => backoffDelay(a, jittered, () => 0))).toEqual([100, 800, 2500]);
    expect([0, 3, 9].map((a) => backoffDelay(a, jittered, () => 1))).toEqual([200, 1600, 5000]);
    expect(backoffDelay(3, jittered, () => 0.25)).toBe(1000);
  });
});

describe('sleep', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves once the time has passed, not before', async () => {
    vi.useFakeTimers();
    let woke = false;
    const slept = sleep(1000).then(() => (woke = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await slept;
    expect(woke).toBe(true);
  });

  it('resolves at once when its signal aborts, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    const stop = new AbortController();
    let woke = false;
    const slept = sleep(60_000, stop.signal).then(() => (woke = true));
    await vi.advanceTimersByTimeAsync(10);
    expect(woke).toBe(false);
    stop.abort();
    await slept;
    expect(woke).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not wait at all when its signal has already aborted', async () => {
    vi.useFakeTimers();
    await sleep(60_000, AbortSignal.abort());
    expect(vi.getTimerCount()).toBe(0);
  });
});
