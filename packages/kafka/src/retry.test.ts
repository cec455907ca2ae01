import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceUnavailableError } from '@segmentation/runtime';
import { withRetry } from './retry.ts';

const away = () => new ServiceUnavailableError('Schema Registry', 'http://registry', new Error('ECONNREFUSED'));

describe('withRetry', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('retries a retriable failure after capped, jittered waits, then returns the result', async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0); // the bottom of each jittered wait: half the capped one
    let calls = 0;
    const result = withRetry(
      () => {
        calls++;
        return calls <= 3 ? Promise.reject(away()) : Promise.resolve('sent');
      },
      { retries: 5, initialMs: 100, maxMs: 300 },
    );
    // Waits of 50, 100 and 150 ms (half of 100, 200 and the cap 300): 299 ms in, no fourth call yet.
    await vi.advanceTimersByTimeAsync(299);
    expect(calls).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toBe('sent');
    expect(calls).toBe(4);
  });

  it('throws at once what is not retriable, and a retriable failure that outlasts the policy', async () => {
    const bad = new Error('bad data');
    await expect(withRetry(() => Promise.reject(bad), { retries: 5, initialMs: 1, maxMs: 1 })).rejects.toBe(bad);
    let calls = 0;
    await expect(
      withRetry(
        () => {
          calls++;
          return Promise.reject(away());
        },
        { retries: 2, initialMs: 1, maxMs: 1 },
      ),
    ).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(calls).toBe(3);
  });
});
