import { describe, expect, it } from 'vitest';
import { requestsOf, type OutgoingMessage } from './producer.ts';

describe('requests of a send', () => {
  const message = (i: number, bytes: number): OutgoingMessage => ({
    key: `k${i}`,
    value: Buffer.alloc(bytes, i),
    headers: { reason: 'invalid_value' },
  });

  it('keeps a burst of large messages under the broker limit, in order', () => {
    const burst = Array.from({ length: 10 }, (_, i) => message(i, 150_000));
    const requests = [...requestsOf(burst)];
    expect(requests.length).toBeGreaterThan(2);
    for (const r of requests) expect(r.reduce((n, m) => n + (m.value?.length ?? 0), 0)).toBeLessThanOrEqual(512 * 1024);
    expect(requests.flat()).toEqual(burst);
  });

  it('sends small messages in one request, and a single oversized one alone', () => {
    expect([...requestsOf(Array.from({ length: 1000 }, (_, i) => message(i, 100)))]).toHaveLength(1);
    expect([...requestsOf([message(0, 100), message(1, 900_000), message(2, 100)])].map((r) => r.length)).toEqual([1, 1, 1]);
    expect([...requestsOf([])]).toEqual([]);
  });
});
