import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { ConsumedMessage } from './batch-consumer.ts';
import { withRetry } from './retry.ts';

/**
 * The partitions' offsets of a topic. Retried: right after a topic is created, or a broker
 * restarted, a partition can answer "not the leader" for a moment (kafkajs does not retry it here).
 */
export const fetchTopicEnds = (admin: Admin, topic: string) => withRetry(() => admin.fetchTopicOffsets(topic));

/**
 * Reads a whole topic, from its beginning up to the end it had when the call started, and
 * resolves when every partition got there. For commands (re-drive, ledgers), not for services.
 */
export async function readTopicToEnd(kafka: Kafka, topic: string, onMessage: (m: ConsumedMessage) => void | Promise<void>): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    const offsets = await fetchTopicEnds(admin, topic);
    ends = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect();
  }
  const pending = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
  if (pending.size === 0) return 0;

  const consumer = kafka.consumer({ groupId: `read-${topic}-${randomUUID()}` });
  let count = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
      consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const end = ends.get(batch.partition) ?? 0n;
          for (const m of batch.messages) {
            if (BigInt(m.offset) >= end) break;
            count++;
            await onMessage({ topic, partition: batch.partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers ?? {}, timestamp: Number(m.timestamp) });
          }
          if (BigInt(batch.lastOffset()) + 1n >= end) pending.delete(batch.partition);
          if (pending.size === 0) resolve();
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return count;
}
