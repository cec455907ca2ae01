import { describe, expect, it } from 'vitest';
import { Coalescing } from './coalescing.ts';

/** A request that stays in flight until released, so the test decides what queues behind it. */
function controlledRequests() {
  const requests: Array<{ items: number[]; release: () => void; fail: (err: Error) => void }> = [];
  const send = (items: number[]) =>
    new Promise<string>((resolve, reject) => {
      requests.push({ items, release: () => resolve(`request ${requests.length}`), fail: reject });
    });
  return { requests, send };
}

describe('coalescing requests', () => {
  it('sends the first call at once and those made meanwhile together in the next request', async () => {
    const { requests, send } = controlledRequests();
    const c = new Coalescing(send);
    const first = c.submit(1);
    const rest = [c.submit(2), c.submit(3), c.submit(4)];
    expect(requests.map((r) => r.items)).toEqual([[1]]);
    requests[0]!.release();
    expect(await first).toBe('request 1');
    await Promise.resolve();
    expect(requests.map((r) => r.items)).toEqual([[1], [2, 3, 4]]);
    requests[1]!.release();
    expect(await Promise.all(rest)).toEqual(['request 2', 'request 2', 'request 2']);
  });

  it('keeps a request within the limit, and sends an item over it alone', async () => {
    const sent: number[][] = [];
    const c = new Coalescing(
      (items: number[]) => {
        sent.push(items);
        return Promise.resolve();
      },
      (group, next) => group.reduce((n, x) => n + x, 0) + next <= 10,
    );
    await Promise.all([1, 4, 5, 2, 20, 1].map((x) => c.submit(x)));
    expect(sent).toEqual([[1], [4, 5], [2], [20], [1]]);
  });

  it('fails every call of a failed request, and goes on with the next', async () => {
    const { requests, send } = controlledRequests();
    const c = new Coalescing(send);
    const first = c.submit(1);
    const second = [c.submit(2), c.submit(3)];
    requests[0]!.release();
    await first;
    await Promise.resolve();
    requests[1]!.fail(new Error('broker went away'));
    for (const call of second) await expect(call).rejects.toThrow('broker went away');
    const third = c.submit(4);
    await Promise.resolve();
    requests[2]!.release();
    expect(await third).toBe('request 3');
  });
});
