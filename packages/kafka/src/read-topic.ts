import { randomUUID } from 'node:crypto';
import type { Admin, EachBatchHandler, Kafka } from 'kafkajs';
import type { Logger } from '@segmentation/runtime';
import { ConsumerRestarts, type ConsumedMessage } from './batch-consumer.ts';
import { withRetry } from './retry.ts';

/**
 * The partitions' offsets of a topic. Retried: right after a topic is created, or a broker
 * restarted, a partition can answer "not the leader" for a moment (kafkajs does not retry it here).
 */
export const fetchTopicEnds = (admin: Admin, topic: string) => withRetry(() => admin.fetchTopicOffsets(topic));

/** Crashes a read survives (kafkajs's own restarts and ours) before it fails: a broker that stays away. */
const MAX_READ_CRASHES = 10;

/**
 * Reads a whole topic, from its beginning up to the end it had when the call started, and
 * resolves when every partition got there. For commands (re-drive, ledgers) and start-up (the
 * rules history), not for services.
 *
 * A consumer crash does not fail the read at once: the first join on a broker that just started
 * meets "The coordinator is loading" (kafkajs restarts the consumer itself), or "Failed to find group
 * coordinator" (kafkajs does not: ConsumerRestarts does). Failing there made a process that started
 * right after its broker fail to start. The restarted consumer begins again at the beginning (no
 * offsets are committed), so records already handed over are skipped. The read fails after
 * MAX_READ_CRASHES crashes.
 */
export async function readTopicToEnd(kafka: Kafka, topic: string, onMessage: (m: ConsumedMessage) => void | Promise<void>, logger: Pick<Logger, 'warn'> = kafka.logger()): Promise<number> {
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

  const groupId = `read-${topic}-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId });
  /** Per partition, the next offset to hand over: a restarted consumer reads from the beginning again. */
  const next = new Map<number, bigint>();
  let count = 0;
  let finished = false;
  let crashes = 0;
  let done!: () => void;
  let fail!: (err: unknown) => void;
  const read = new Promise<void>((resolve, reject) => { done = resolve; fail = reject; });
  const eachBatch: EachBatchHandler = async ({ batch }) => {
    const end = ends.get(batch.partition) ?? 0n;
    for (const m of batch.messages) {
      const offset = BigInt(m.offset);
      if (offset >= end) break;
      if (offset < (next.get(batch.partition) ?? 0n)) continue;
      count++;
      await onMessage({ topic, partition: batch.partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers ?? {}, timestamp: Number(m.timestamp) });
      next.set(batch.partition, offset + 1n);
    }
    if (BigInt(batch.lastOffset()) + 1n >= end) pending.delete(batch.partition);
    if (pending.size === 0) done();
  };
  /** Connects, subscribes and runs: the first start, and each restart after a crash. */
  const start = async () => {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatch });
  };
  const restarts = new ConsumerRestarts({
    restart: async () => {
      await consumer.disconnect();
      if (!finished) await start();
    },
    isStopping: () => finished,
    onAttemptFailed: (attempt, err) => logger.warn('read_topic_restart_failed', { topic, groupId, attempt, err }),
  });
  consumer.on(consumer.events.CRASH, (e) => {
    if (finished) return;
    if (++crashes > MAX_READ_CRASHES) {
      fail(e.payload.error);
      return;
    }
    logger.warn('read_topic_consumer_crashed', { topic, groupId, crashes, err: e.payload.error, restart: e.payload.restart });
    restarts.crashed(e.payload.restart);
  });
  try {
    await start();
    await read;
  } finally {
    finished = true;
    await restarts.settle();
    await consumer.disconnect();
  }
  return count;
}
