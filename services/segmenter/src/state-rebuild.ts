import { randomUUID } from 'node:crypto';
import { fetchTopicEnds, readErasedCustomers, type AvroCodec, type Kafka } from '@segmentation/kafka';
import type { Logger } from '@segmentation/runtime';
import { calendarFor } from '@segmentation/segmentation';
import { CustomerStateStore, deleteKeysWithPrefix, EvaluationTimers, type RedisClient } from '@segmentation/state';
import { markFromMetadata, type PartitionMark } from './partition-clock.ts';
import { decodeLogEntries, runPartitionLog, type PartitionRunner } from './partition-log.ts';
import { customerRecordCodec, readRulesHistory } from '@segmentation/readers';
import { RulesBook } from './rules-registry.ts';

export interface RebuildSettings {
  /** The segmenter's consumer group: where it stands is where the rebuild stops. */
  groupId: string;
  topics: { customerEvents: string; rulesVersions: string; customerErasures: string };
  redisKeyPrefix: string;
  timeZone: string;
}

export interface RebuildReport {
  partitions: number;
  records: number;
  customers: number;
  seconds: number;
}

/**
 * Rebuilds every customer's state, the timer index and the memberships (DESIGN.md invariant 10:
 * Redis is derived; `customer-events`, kept without time limit, is the truth) by replaying the log
 * from its beginning through the segmenter's own code (partition-log.ts), up to exactly where the
 * segmenter group committed, so the segmenter resumes on the rebuilt state as if nothing happened.
 * Outputs are not sent again: everything before a committed offset was acknowledged by Kafka.
 * Customers on the erasure list are skipped, so a rebuild brings none of them back.
 * Refuses while a segmenter is running; checks at the end that every partition's clock came out as
 * the group committed it.
 */
export async function rebuildState(deps: { kafka: Kafka; codec: AvroCodec; redis: RedisClient; logger: Logger }, settings: RebuildSettings): Promise<RebuildReport> {
  const started = performance.now();
  const targets = await groupPositions(deps.kafka, settings.groupId, settings.topics.customerEvents);
  const erased = await readErasedCustomers(deps.kafka, deps.codec, settings.topics.customerErasures);
  await deleteKeysWithPrefix(deps.redis, `${settings.redisKeyPrefix}customer:`);
  await deleteKeysWithPrefix(deps.redis, `${settings.redisKeyPrefix}timers:`);

  const store = new CustomerStateStore(deps.redis, settings.redisKeyPrefix, customerRecordCodec);
  const timers = new EvaluationTimers(deps.redis, settings.redisKeyPrefix);
  const runner: PartitionRunner = {
    store, timers, options: { calendar: calendarFor(settings.timeZone) }, now: Date.now, logger: deps.logger,
    erased: (customerId) => erased.has(customerId),
    book: new RulesBook(() => readRulesHistory(deps, settings.topics.rulesVersions)),
    // No encoder: outputs are neither kept nor sent (everything before a committed offset was acknowledged).
    async emit(partition, _outgoing, next) {
      await timers.schedule(partition, next);
    },
  };
  await runner.book.refresh();

  const marks = new Map<number, PartitionMark>();
  const pending = new Set([...targets].filter(([, t]) => t.offset > 0).map(([p]) => p));
  let records = 0;
  if (pending.size > 0) {
    const consumer = deps.kafka.consumer({ groupId: `${settings.groupId}-rebuild-${randomUUID()}` });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [settings.topics.customerEvents], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
        consumer.run({
          autoCommit: false,
          partitionsConsumedConcurrently: 4,
          eachBatch: async (payload) => {
            const { batch } = payload;
            const end = targets.get(batch.partition)?.offset ?? 0;
            if (!pending.has(batch.partition)) return;
            const mine = batch.messages.filter((m) => Number(m.offset) < end)
              .map((m) => ({ topic: batch.topic, partition: batch.partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers ?? {}, timestamp: Number(m.timestamp) }));
            const mark = marks.get(batch.partition) ?? { watermark: null, rulesVersion: null };
            marks.set(batch.partition, await runPartitionLog(runner, batch.partition, await decodeLogEntries(deps.codec, mine), mark, () => payload.heartbeat()));
            records += mine.length;
            if (mine.length > 0 && Number(mine.at(-1)!.offset) + 1 >= end) {
              pending.delete(batch.partition);
              consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
              deps.logger.info('rebuild_partition_done', { partition: batch.partition, records: end, partitionsLeft: pending.size });
              if (pending.size === 0) resolve();
            }
          },
        }).catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
  }

  const drift = [...targets].filter(([p, t]) => t.mark.watermark !== null && marks.get(p)?.watermark !== t.mark.watermark);
  if (drift.length > 0) {
    throw new Error(`rebuilt state does not end where the segmenter group did: partition(s) ${drift.map(([p, t]) => `${p} (committed watermark ${t.mark.watermark}, rebuilt ${marks.get(p)?.watermark ?? 'none'})`).join(', ')}`);
  }
  let customers = 0;
  for await (const ids of store.customerIds()) customers += ids.length;
  return { partitions: targets.size, records, customers, seconds: Number(((performance.now() - started) / 1000).toFixed(1)) };
}

/** Where the group stands on each partition; refuses while it has members (a running segmenter). */
async function groupPositions(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, { offset: number; mark: PartitionMark }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const members = groups[0]?.members.length ?? 0;
    if (members > 0) throw new Error(`the segmenter group ${groupId} has ${members} running member(s): stop every segmenter before rebuilding its state`);
    const partitions = (await fetchTopicEnds(admin, topic)).map((o) => o.partition);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const byPartition = new Map((committed?.partitions ?? []).map((p) => [p.partition, p]));
    return new Map(partitions.map((p) => {
      const c = byPartition.get(p);
      return [p, { offset: Math.max(0, Number(c?.offset ?? -1)), mark: markFromMetadata(c?.metadata ?? null) }];
    }));
  } finally {
    await admin.disconnect();
  }
}
