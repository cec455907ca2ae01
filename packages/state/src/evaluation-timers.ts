import { runByNode } from './node-batches.ts';
import type { RedisClient } from './redis.ts';

// The timer index (DESIGN.md invariants 7 and 10): per partition of `customer-events`, a sorted set
// of customer ids scored by their next evaluation time (event time, ms), so the partition's owner
// finds silent customers whose windows or inactivity thresholds have passed without reading every
// customer. The customer's own state holds the truth (its next evaluation time); this index is
// derived, written after the customer's commit, and repaired by redelivery. The hash tag is the
// partition, so one partition's index is one key on one node. Every customer of the partition is in
// it (scored +inf when nothing can change for them without an event): it is also the list of the
// partition's customers that a rules change re-evaluates (DESIGN.md invariant 9).
export const timersKey = (prefix: string, partition: number): string => `${prefix}timers:{p${partition}}`;

export interface EvaluationTimer {
  customerId: string;
  /** Event time (epoch ms) at which the customer must be evaluated again; null: no timer. */
  at: number | null;
}

export class EvaluationTimers {
  private readonly redis: RedisClient;
  private readonly keyPrefix: string;

  constructor(redis: RedisClient, keyPrefix: string) {
    this.redis = redis;
    this.keyPrefix = keyPrefix;
  }

  /** Sets the timers of a partition's customers (`at: null`: never due) in one round trip. */
  async schedule(partition: number, timers: readonly EvaluationTimer[]): Promise<void> {
    if (timers.length === 0) return;
    await this.redis.zadd(timersKey(this.keyPrefix, partition), ...timers.flatMap((t) => [t.at ?? '+inf', t.customerId]));
  }

  /** Takes customers out of every partition's index (erasure; which partition holds them is not needed). */
  async remove(customerIds: readonly string[], partitions: number): Promise<void> {
    if (customerIds.length === 0) return;
    const keys = Array.from({ length: partitions }, (_, p) => timersKey(this.keyPrefix, p));
    await runByNode(
      this.redis,
      keys,
      (key) => key,
      (pipeline, key) => {
        pipeline.zrem(key, ...customerIds);
      },
    );
  }

  /** Every customer of the partition, sorted by id; read in pages before anyone reschedules them
   *  (rescheduling moves ranks, so paging while re-evaluating would skip some). */
  async customers(partition: number, pageSize = 10_000): Promise<string[]> {
    const key = timersKey(this.keyPrefix, partition);
    const ids: string[] = [];
    for (let start = 0; ; start += pageSize) {
      const page = await this.redis.zrange(key, start, start + pageSize - 1);
      ids.push(...page);
      if (page.length < pageSize) return ids.sort();
    }
  }

  /**
   * When the `n`-th (from 1) of the partition's customers due at or before `upTo` is due, or null
   * when fewer are: where a run must stop to keep its due customers within `n`, read without
   * fetching the ones before.
   */
  async nthDue(partition: number, upTo: number, n: number): Promise<number | null> {
    const reply = await this.redis.zrangebyscore(timersKey(this.keyPrefix, partition), '-inf', upTo, 'WITHSCORES', 'LIMIT', n - 1, 1);
    return reply.length === 2 ? Number(reply[1]) : null;
  }

  /** The partition's customers due at or before `upTo` (event time), earliest first, at most `limit`. */
  async due(partition: number, upTo: number, limit = 1000): Promise<Array<{ customerId: string; at: number }>> {
    const reply = await this.redis.zrangebyscore(timersKey(this.keyPrefix, partition), '-inf', upTo, 'WITHSCORES', 'LIMIT', 0, limit);
    const due: Array<{ customerId: string; at: number }> = [];
    for (let i = 0; i < reply.length; i += 2) due.push({ customerId: reply[i]!, at: Number(reply[i + 1]) });
    return due;
  }
}
