import { randomUUID } from 'node:crypto';
import type { EachBatchHandler } from 'kafkajs';
import type { HealthCheck, Logger } from '@segmentation/runtime';
import { consumedMessage, ConsumerRestarts, type ConsumedMessage } from './batch-consumer.ts';
import { fetchTopicEnds } from './read-topic.ts';
import { clientOf, type Kafka } from './kafka-client.ts';

export interface TopicTailSettings {
  topics: string[];
  /** Records per partition read from before the end at start: what a new viewer sees first. */
  backlogPerPartition: number;
  /** Prefix of the tail's own consumer group (unique per process: every viewer needs every partition). */
  groupPrefix: string;
}

export interface TopicTail extends HealthCheck {
  stop(): Promise<void>;
}

/**
 * Follows topics from a little before their end, for viewers (the console's live feed): no
 * offsets are committed and nothing is processed exactly once. The group is this process's alone,
 * so each instance sees every partition; after a rejoin it seeks back to where it was, so a
 * rebalance neither skips records nor jumps to the end. A crash kafkajs does not restart from
 * ("Failed to find group coordinator" while the broker restarts, say) is restarted here, with
 * backoff (ConsumerRestarts): otherwise the tail, and whatever waits on it, would stay down for good.
 */
export async function tailTopics(
  kafka: Kafka,
  settings: TopicTailSettings,
  onMessage: (m: ConsumedMessage) => void | Promise<void>,
  logger: Logger,
): Promise<TopicTail> {
  const next = new Map<string, bigint>(); // `topic:partition` → the next offset to read
  const admin = clientOf(kafka).admin();
  await admin.connect();
  try {
    for (const topic of settings.topics) {
      for (const p of await fetchTopicEnds(admin, topic)) {
        const start = BigInt(p.high) - BigInt(settings.backlogPerPartition);
        next.set(`${topic}:${p.partition}`, start > BigInt(p.low) ? start : BigInt(p.low));
      }
    }
  } finally {
    await admin.disconnect();
  }

  const groupId = `${settings.groupPrefix}-${randomUUID()}`;
  const consumer = clientOf(kafka).consumer({ groupId, maxWaitTimeInMs: 100, retry: { retries: 10, initialRetryTime: 300 } });
  let joined = false;
  let stopping = false;
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    joined = true;
    for (const [topic, partitions] of Object.entries(e.payload.memberAssignment)) {
      for (const partition of partitions) {
        const offset = next.get(`${topic}:${partition}`);
        if (offset !== undefined) consumer.seek({ topic, partition, offset: offset.toString() });
      }
    }
  });
  const restarts = new ConsumerRestarts({
    restart: async () => {
      await consumer.disconnect();
      if (!stopping) await start();
    },
    isStopping: () => stopping,
    onAttemptFailed: (attempt, err) => logger.warn('topic_tail_restart_failed', { groupId, attempt, err }),
    onRestarted: (attempts) => logger.info('topic_tail_restarted', { groupId, attempts }),
  });
  consumer.on(consumer.events.CRASH, (e) => {
    joined = false;
    if (!stopping) logger.warn('topic_tail_crashed', { groupId, err: e.payload.error, restart: e.payload.restart });
    restarts.crashed(e.payload.restart); // not ready until it joined again (GROUP_JOIN)
  });
  consumer.on(consumer.events.STOP, () => {
    joined = false;
  });
  const eachBatch: EachBatchHandler = async ({ batch }) => {
    for (const m of batch.messages) {
      next.set(`${batch.topic}:${batch.partition}`, BigInt(m.offset) + 1n);
      try {
        await onMessage(consumedMessage(batch, m));
      } catch (err) {
        // A viewer's bad record must not stop the tail (nothing is lost: the log still has it).
        logger.warn('topic_tail_record_skipped', { topic: batch.topic, partition: batch.partition, offset: m.offset, err });
      }
    }
  };
  /** Connects, subscribes and runs: the first start, and each restart after a crash. */
  const start = async () => {
    await consumer.connect();
    await consumer.subscribe({ topics: settings.topics, fromBeginning: false });
    await consumer.run({ autoCommit: false, eachBatch });
  };
  await start();
  return {
    name: `tail:${settings.topics.join(',')}`,
    isHealthy: () => true,
    isReady: () => joined,
    async stop() {
      stopping = true;
      await restarts.settle();
      await consumer.disconnect();
    },
  };
}
