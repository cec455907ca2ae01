import { Counter, Gauge, type Registry } from 'prom-client';
import { avroSchemas, valueSubject, type CustomerEvent } from '@segmentation/contracts';
import {
  BatchConsumer, fetchClusterId, sendToDeadLetter, UndecodableError,
  type AvroCodec, type BatchContext, type BatchDone, type ConsumedBatch, type Kafka, type ReliableProducer,
} from '@segmentation/kafka';
import type { Logger } from '@segmentation/runtime';
import { calendarFor, decodeRecord, encodeRecord, type Rules } from '@segmentation/segmentation';
import { claimLogIdentity, CustomerStateStore, EvaluationTimers, type RedisClient } from '@segmentation/state';
import { applyBatch, outboxEntries, type BatchApplier, type LogEntry } from './apply-batch.ts';
import { metadataForWatermark, watermarkFromMetadata } from './partition-clock.ts';

export interface SegmenterSettings {
  groupId: string;
  topics: { customerEvents: string; customerEventsDeadLetter: string; segmentChanges: string };
  redisKeyPrefix: string;
  rules: Rules;
  /** IANA zone in which business days begin (window edges). */
  timeZone: string;
  sessionTimeoutMs: number;
}

export interface SegmenterDeps {
  kafka: Kafka;
  producer: ReliableProducer;
  codec: AvroCodec;
  redis: RedisClient;
  logger: Logger;
  metrics: Registry;
  /** Wall clock, used only for an output's detection time (never in ids or state). */
  now?: () => number;
}

/** How customer records are stored: the binary codec of the feature state. */
export const customerRecordCodec = { encode: encodeRecord, decode: decodeRecord };

/**
 * The segmenter role: reads `customer-events` in log order, folds each customer's events into
 * their feature record, evaluates them after every event, and emits segment changes. Per batch:
 *   1. read the customers' records and outboxes (one pipelined round trip per Redis node);
 *   2. apply records in log order on the partition's event-time clock, deciding changes;
 *   3. write record + new changes into the outbox atomically per customer (compare-and-set), then
 *      move the customers' timers (apply-batch.ts);
 *   4. produce every pending change and dead-letter, and wait for Kafka's acknowledgement;
 *   5. clear those outbox entries; the consumer then commits the offset with the partition's
 *      watermark as its metadata (partition-clock.ts).
 * A crash anywhere leaves either nothing written (the batch is redone) or the changes in the
 * outbox, which step 4 re-sends when the same input comes round again.
 */
export function createSegmenter(settings: SegmenterSettings, deps: SegmenterDeps) {
  const logger = deps.logger.child({ role: 'segmenter' });
  const now = deps.now ?? Date.now;
  const applier: BatchApplier = {
    store: new CustomerStateStore(deps.redis, settings.redisKeyPrefix, customerRecordCodec),
    timers: new EvaluationTimers(deps.redis, settings.redisKeyPrefix),
    rules: settings.rules,
    options: { calendar: calendarFor(settings.timeZone) },
    now,
  };
  const records = new Counter({ name: 'segmenter_records_total', help: 'customer-events records consumed, by outcome', labelNames: ['result'], registers: [deps.metrics] });
  const changesEmitted = new Counter({ name: 'segmenter_segment_changes_total', help: 'Segment changes acknowledged by Kafka', labelNames: ['dimension'], registers: [deps.metrics] });
  const watermarks = new Gauge({ name: 'segmenter_partition_watermark_seconds', help: 'Event-time watermark of each customer-events partition (latest event time applied), epoch seconds', labelNames: ['partition'], registers: [deps.metrics] });
  const consumer = new BatchConsumer(deps.kafka, {
    groupId: settings.groupId,
    topics: [settings.topics.customerEvents],
    sessionTimeoutMs: settings.sessionTimeoutMs,
    stallTimeoutMs: 60_000,
    partitionsConcurrently: 4,
  }, logger);
  let segmentChangeSchemaId = 0;

  async function decode(batch: ConsumedBatch): Promise<LogEntry[]> {
    const entries: LogEntry[] = [];
    for (const message of batch.messages) {
      try {
        entries.push({ kind: 'event', event: await deps.codec.decode<CustomerEvent>(message.value, avroSchemas.customerEvent), message });
      } catch (err) {
        if (!(err instanceof UndecodableError)) throw err;
        entries.push({ kind: 'rejected', message, cause: { reason: err.reason, message: err.message, step: 'decode', stage: 'segmenter' } });
      }
    }
    return entries;
  }

  async function handle(batch: ConsumedBatch, ctx: BatchContext): Promise<BatchDone> {
    const entries = await decode(batch);
    const version = `${batch.partition}:${batch.messages.at(-1)?.offset ?? ''}`;
    const { outgoing, rejected, counts, watermark } = await applyBatch(applier, batch.partition, entries, watermarkFromMetadata(ctx.committedMetadata), version);

    await deps.producer.send(settings.topics.segmentChanges, outgoing.map((c) => ({
      key: c.customerId,
      value: deps.codec.encode(segmentChangeSchemaId, avroSchemas.segmentChange, c),
    })));
    await sendToDeadLetter(deps.producer, settings.topics.customerEventsDeadLetter, rejected);
    await applier.store.clearPending(outboxEntries(outgoing));

    records.inc({ result: 'applied' }, counts.applied);
    records.inc({ result: 'already_applied' }, counts.already_applied);
    records.inc({ result: 'ignored' }, counts.ignored);
    records.inc({ result: 'dead_lettered' }, rejected.length);
    if (watermark !== null) watermarks.set({ partition: String(batch.partition) }, watermark / 1000);
    for (const c of outgoing) {
      changesEmitted.inc({ dimension: c.dimension });
      logger.info('segment_changed', { changeId: c.changeId, dimension: c.dimension, from: c.fromSegment, to: c.toSegment, rule: c.rule });
    }
    return { metadata: metadataForWatermark(watermark) };
  }

  return {
    consumer,
    store: applier.store,
    timers: applier.timers,
    async start(): Promise<void> {
      await claimLogIdentity(deps.redis, settings.redisKeyPrefix, `${await fetchClusterId(deps.kafka)}/${settings.topics.customerEvents}`);
      segmentChangeSchemaId = await deps.codec.register(valueSubject(settings.topics.segmentChanges), avroSchemas.segmentChange);
      await consumer.connect(handle);
    },
    stop: () => consumer.disconnect(),
  };
}
