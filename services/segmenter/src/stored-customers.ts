import { committedPositions, topicOffsets, type Kafka } from '@segmentation/kafka';
import type { CustomerRecord } from '@segmentation/segmentation';
import { CustomerStateStore, EvaluationTimers, type RedisClient } from '@segmentation/state';
import { markFromMetadata } from './partition-clock.ts';
import { customerRecordCodec } from '@segmentation/readers';

export interface StoredCustomersSettings {
  /** The segmenter's consumer group: its committed metadata holds each partition's clock. */
  groupId: string;
  customerEventsTopic: string;
  redisKeyPrefix: string;
}

/**
 * Every stored customer with the event time their partition's clock has reached: what a rules
 * change would evaluate them at. For the batch commands (dry run, population thresholds); reads
 * only, a page of customers at a time.
 */
export async function* storedCustomers(
  kafka: Kafka,
  redis: RedisClient,
  settings: StoredCustomersSettings,
): AsyncGenerator<{ customerId: string; record: CustomerRecord; at: number }> {
  const store = new CustomerStateStore(redis, settings.redisKeyPrefix, customerRecordCodec);
  const timers = new EvaluationTimers(redis, settings.redisKeyPrefix);
  for (const [partition, watermark] of await partitionClocks(kafka, settings.groupId, settings.customerEventsTopic)) {
    const ids = await timers.customers(partition);
    for (let start = 0; start < ids.length; start += 1000) {
      for (const [customerId, s] of await store.load(ids.slice(start, start + 1000))) {
        const asOf = s.state?.features.asOf;
        if (s.state && asOf != null) yield { customerId, record: s.state, at: Math.max(watermark ?? asOf, asOf) };
      }
    }
  }
}

/** Every partition of the topic with the watermark the group committed for it (null if none). */
async function partitionClocks(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, number | null>> {
  const [partitions, committed] = await Promise.all([topicOffsets(kafka, topic), committedPositions(kafka, groupId, topic)]);
  return new Map([...partitions.keys()].map((p) => [p, markFromMetadata(committed.get(p)?.metadata ?? null).watermark]));
}
