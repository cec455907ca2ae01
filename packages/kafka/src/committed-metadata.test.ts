import { describe, expect, it } from 'vitest';
import { CommittedMetadata, type CommittedPartition } from './committed-metadata.ts';

/** A fetch that answers only when told to, with what the group had committed when it was asked. */
function slowFetch() {
  const asked: Array<(reply: CommittedPartition[]) => void> = [];
  const fetch = (_topic: string) => new Promise<readonly CommittedPartition[]>((resolve) => asked.push(resolve));
  return { fetch, answer: (reply: CommittedPartition[]) => asked.shift()!(reply), pending: () => asked.length };
}

describe("the committed metadata of a consumer's partitions", () => {
  it('never hands out a value older than one this consumer committed while a fetch was on its way', async () => {
    const f = slowFetch();
    const cache = new CommittedMetadata(f.fetch);
    const first = cache.get('events', 0);
    // Partition 1's batch commits a newer clock before the fetch (asked earlier) comes back.
    cache.committed('events', 1, 'watermark=2000');
    f.answer([
      { partition: 0, metadata: 'watermark=500' },
      { partition: 1, metadata: 'watermark=1000' },
    ]);
    expect(await first).toBe('watermark=500');
    expect(await cache.get('events', 1)).toBe('watermark=2000');
    expect(f.pending()).toBe(0);
  });

  it('drops a reply that began before a reassignment, and fetches again', async () => {
    const f = slowFetch();
    const cache = new CommittedMetadata(f.fetch);
    const before = cache.get('events', 0);
    cache.reassigned();
    f.answer([{ partition: 0, metadata: 'watermark=100' }]);
    await before;
    const after = cache.get('events', 0);
    expect(f.pending()).toBe(1);
    f.answer([{ partition: 0, metadata: 'watermark=900' }]);
    expect(await after).toBe('watermark=900');
  });

  it('reads a partition never committed as null, and fetches once per assignment', async () => {
    let fetches = 0;
    const cache = new CommittedMetadata(() => {
      fetches++;
      return Promise.resolve([{ partition: 0, metadata: '' }]);
    });
    expect(await cache.get('events', 0)).toBeNull();
    expect(await cache.get('events', 0)).toBeNull();
    expect(fetches).toBe(1);
  });
});
