import { randomUUID } from 'node:crypto';
import type { Admin, EachBatchHandler } from 'kafkajs';
import type { Logger } from '@segmentation/runtime';
import { consumedMessage, ConsumerRestarts, type ConsumedMessage } from './batch-consumer.ts';
import { withRetry } from './retry.ts';
import { clientOf, type Kafka } from './kafka-client.ts';

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
export async function readTopicToEnd(
  kafka: Kafka,
  topic: string,
  onMessage: (m: ConsumedMessage) => void | Promise<void>,
  logger: Pick<Logger, 'warn'> = clientOf(kafka).logger(),
): Promise<number> {
  const admin = clientOf(kafka).admin();
  await admin.connect();
  let ends: Map<number, number>;
  try {
    const offsets = await fetchTopicEnds(admin, topic);
    ends = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
  let count = 0;
  await readPartitionsUntil(
    kafka,
    topic,
    ends,
    async (messages) => {
      for (const m of messages) {
        count++;
        await onMessage(m);
      }
    },
    { logger },
  );
  return count;
}

/**
 * Reads each partition of the topic from its beginning up to (not including) its offset in
 * `ends`, in log order, a batch at a time, and resolves when every partition got there: a replay
 * in a fresh group that commits nothing. Survives consumer crashes as readTopicToEnd does; a
 * restarted consumer begins again at the beginning and what was handed over is skipped.
 */
export async function readPartitionsUntil(
  kafka: Kafka,
  topic: string,
  ends: ReadonlyMap<number, number>,
  onBatch: (messages: ConsumedMessage[], partition: number, heartbeat: () => Promise<void>) => Promise<void>,
  options: { logger: Pick<Logger, 'warn'>; partitionsConcurrently?: number },
): Promise<void> {
  const pending = new Set([...ends].filter(([, high]) => high > 0).map(([p]) => p));
  if (pending.size === 0) return;
  const { logger } = options;
  const groupId = `read-${topic}-${randomUUID()}`;
  const consumer = clientOf(kafka).consumer({ groupId });
  /** Per partition, the next offset to hand over: a restarted consumer reads from the beginning again. */
  const next = new Map<number, number>();
  let finished = false;
  let crashes = 0;
  let done!: () => void;
  let fail!: (err: unknown) => void;
  const read = new Promise<void>((resolve, reject) => {
    done = resolve;
    fail = reject;
  });
  const eachBatch: EachBatchHandler = async (payload) => {
    const { batch } = payload;
    if (!pending.has(batch.partition)) return;
    const end = ends.get(batch.partition) ?? 0;
    const from = next.get(batch.partition) ?? 0;
    const messages = batch.messages.filter((m) => Number(m.offset) < end && Number(m.offset) >= from).map((m) => consumedMessage(batch, m));
    if (messages.length > 0) {
      await onBatch(messages, batch.partition, () => payload.heartbeat());
      next.set(batch.partition, Number(messages.at(-1)!.offset) + 1);
    }
    if (Number(batch.lastOffset()) + 1 >= end) {
      pending.delete(batch.partition);
      payload.pause(); // nothing more of this partition is wanted
      if (pending.size === 0) done();
    }
  };
  /** Connects, subscribes and runs: the first start, and each restart after a crash. */
  const start = async () => {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ autoCommit: false, partitionsConsumedConcurrently: options.partitionsConcurrently ?? 1, eachBatch });
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
}
