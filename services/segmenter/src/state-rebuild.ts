import { committedPositions, groupMemberCount, readPartitionsUntil, topicOffsets, type AvroCodec, type Kafka } from '@segmentation/kafka';
import type { Logger } from '@segmentation/runtime';
import { calendarFor } from '@segmentation/segmentation';
import { CustomerStateStore, deleteKeysWithPrefix, EvaluationTimers, type RedisClient } from '@segmentation/state';
import { markFromMetadata, type PartitionMark } from './partition-clock.ts';
import { decodeLogEntries, runPartitionLog, type PartitionRunner } from './partition-log.ts';
import { customerRecordCodec, readRulesHistory } from '@segmentation/readers';
import { readErasedCustomers } from '@segmentation/erasure';
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
export async function rebuildState(
  deps: { kafka: Kafka; codec: AvroCodec; redis: RedisClient; logger: Logger },
  settings: RebuildSettings,
): Promise<RebuildReport> {
  const started = performance.now();
  const targets = await groupPositions(deps.kafka, settings.groupId, settings.topics.customerEvents);
  const erased = await readErasedCustomers(deps.kafka, deps.codec, settings.topics.customerErasures);
  await deleteKeysWithPrefix(deps.redis, `${settings.redisKeyPrefix}customer:`);
  await deleteKeysWithPrefix(deps.redis, `${settings.redisKeyPrefix}timers:`);

  const store = new CustomerStateStore(deps.redis, settings.redisKeyPrefix, customerRecordCodec);
  const timers = new EvaluationTimers(deps.redis, settings.redisKeyPrefix);
  const runner: PartitionRunner = {
    store,
    timers,
    options: { calendar: calendarFor(settings.timeZone) },
    now: Date.now,
    logger: deps.logger,
    erased: (customerId) => erased.has(customerId),
    book: new RulesBook(() => readRulesHistory(deps, settings.topics.rulesVersions)),
    // No encoder: outputs are neither kept nor sent (everything before a committed offset was acknowledged).
    async emit(partition, _outgoing, next) {
      await timers.schedule(partition, next);
    },
  };
  await runner.book.refresh();

  const marks = new Map<number, PartitionMark>();
  let records = 0;
  const ends = new Map([...targets].map(([p, t]) => [p, t.offset]));
  await readPartitionsUntil(
    deps.kafka,
    settings.topics.customerEvents,
    ends,
    async (messages, partition, heartbeat) => {
      const mark = marks.get(partition) ?? { watermark: null, rulesVersion: null };
      marks.set(partition, await runPartitionLog(runner, partition, await decodeLogEntries(deps.codec, messages), mark, heartbeat));
      records += messages.length;
      if (Number(messages.at(-1)!.offset) + 1 >= ends.get(partition)!)
        deps.logger.info('rebuild_partition_done', { partition, records: ends.get(partition) });
    },
    { logger: deps.logger, partitionsConcurrently: 4 },
  );

  const drift = [...targets].filter(([p, t]) => t.mark.watermark !== null && marks.get(p)?.watermark !== t.mark.watermark);
  if (drift.length > 0) {
    throw new Error(
      `rebuilt state does not end where the segmenter group did: partition(s) ${drift.map(([p, t]) => `${p} (committed watermark ${t.mark.watermark}, rebuilt ${marks.get(p)?.watermark ?? 'none'})`).join(', ')}`,
    );
  }
  let customers = 0;
  for await (const ids of store.customerIds()) customers += ids.length;
  return { partitions: targets.size, records, customers, seconds: Number(((performance.now() - started) / 1000).toFixed(1)) };
}

/** Where the group stands on each partition; refuses while it has members (a running segmenter). */
async function groupPositions(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, { offset: number; mark: PartitionMark }>> {
  const members = await groupMemberCount(kafka, groupId);
  if (members > 0)
    throw new Error(`the segmenter group ${groupId} has ${members} running member(s): stop every segmenter before rebuilding its state`);
  const [partitions, committed] = await Promise.all([topicOffsets(kafka, topic), committedPositions(kafka, groupId, topic)]);
  return new Map(
    [...partitions.keys()].map((p) => {
      const c = committed.get(p);
      return [p, { offset: c?.offset ?? 0, mark: markFromMetadata(c?.metadata ?? null) }];
    }),
  );
}
