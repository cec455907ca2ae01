import calculateSlot from 'cluster-key-slot';
import { Cluster, type ChainableCommander } from 'ioredis';
import type { RedisClient } from './redis.ts';

/**
 * Runs one command per item in as few round trips as the deployment allows: one pipeline on a
 * single Redis; on a Redis Cluster one pipeline per master, sent in parallel, because a cluster
 * pipeline goes to the node of its first key and fails for keys another node serves. Replies come
 * back in item order; the first error is thrown.
 */
export async function runByNode<T>(
  redis: RedisClient,
  items: readonly T[],
  keyOf: (item: T) => string,
  command: (pipeline: ChainableCommander, item: T) => void,
): Promise<unknown[]> {
  const replies = new Array<unknown>(items.length);
  await Promise.all(
    groupByNode(redis, items.map(keyOf)).map(async (indexes) => {
      const pipeline = redis.pipeline();
      for (const i of indexes) command(pipeline, items[i]!);
      const results = await pipeline.exec();
      indexes.forEach((itemIndex, j) => {
        const [err, reply] = results?.[j] ?? [new Error('Redis returned no reply for a pipelined command'), null];
        if (err) throw err;
        replies[itemIndex] = reply;
      });
    }),
  );
  return replies;
}

/** Item indexes grouped by the node that serves their key (one group on a single Redis). */
export function groupByNode(redis: RedisClient, keys: readonly string[]): number[][] {
  if (keys.length === 0) return [];
  if (!(redis instanceof Cluster)) return [keys.map((_, i) => i)];
  const groups = new Map<string, number[]>();
  keys.forEach((key, i) => {
    const slot = calculateSlot(key);
    // Before the slot map is known, group by slot: still correct, just more round trips.
    const node = redis.slots[slot]?.[0] ?? `slot:${slot}`;
    const group = groups.get(node);
    if (group) group.push(i);
    else groups.set(node, [i]);
  });
  return [...groups.values()];
}
