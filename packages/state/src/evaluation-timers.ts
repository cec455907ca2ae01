import type { RedisClient } from './redis.ts';

// The timer index (DESIGN.md invariants 7 and 10): per partition of `customer-events`, a sorted set
// of customer ids scored by their next evaluation time (event time, ms), so the partition's owner
// finds silent customers whose windows or inactivity thresholds have passed without reading every
// customer. The customer's own state holds the truth (its next evaluation time); this index is
// derived, written after the customer's commit, and repaired by redelivery. The hash tag is the
// partition, so one partition's index is one key on one node.
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

  /** Sets (or clears, for `at: null`) the timers of a partition's customers in one round trip. */
  async schedule(partition: number, timers: readonly EvaluationTimer[]): Promise<void> {
    const key = timersKey(this.keyPrefix, partition);
    const set = timers.flatMap((t) => (t.at === null ? [] : [t.at, t.customerId]));
    const cleared = timers.filter((t) => t.at === null).map((t) => t.customerId);
    const pipeline = this.redis.pipeline();
    if (set.length > 0) pipeline.zadd(key, ...set);
    if (cleared.length > 0) pipeline.zrem(key, ...cleared);
    for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
  }

  /** The partition's customers due at or before `upTo` (event time), earliest first, at most `limit`. */
  async due(partition: number, upTo: number, limit = 1000): Promise<Array<{ customerId: string; at: number }>> {
    const reply = await this.redis.zrangebyscore(timersKey(this.keyPrefix, partition), '-inf', upTo, 'WITHSCORES', 'LIMIT', 0, limit);
    const due: Array<{ customerId: string; at: number }> = [];
    for (let i = 0; i < reply.length; i += 2) due.push({ customerId: reply[i]!, at: Number(reply[i + 1]) });
    return due;
  }
}
