import { Counter, Gauge, type Registry } from 'prom-client';
import { avroSchemas, valueSubject, type CustomerEvent } from '@segmentation/contracts';
import {
  BatchConsumer, fetchClusterId, sendToDeadLetter, UndecodableError,
  type AvroCodec, type BatchContext, type BatchDone, type ConsumedBatch, type Kafka, type ReliableProducer,
} from '@segmentation/kafka';
import type { Logger } from '@segmentation/runtime';
import { calendarFor, decodeRecord, encodeRecord, type CompiledRules } from '@segmentation/segmentation';
import { claimLogIdentity, CustomerStateStore, EvaluationTimers, type RedisClient } from '@segmentation/state';
import { applyBatch, outboxEntries, type BatchApplier, type LogEntry, type Output } from './apply-batch.ts';
import { metadataForWatermark, watermarkFromMetadata } from './partition-clock.ts';

export interface SegmenterSettings {
  groupId: string;
  topics: { customerEvents: string; customerEventsDeadLetter: string; segmentChanges: string; churnAlerts: string; featureSnapshots: string };
  redisKeyPrefix: string;
  rules: CompiledRules;
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
 * their feature record, evaluates them after every event and whenever the partition's clock passes
 * their next evaluation time, and emits segment changes, churn alerts and feature snapshots. Per batch:
 *   1. read the batch's customers and those whose timers the batch can pass, with their outboxes
 *      (one pipelined round trip per Redis node);
 *   2. apply records in log order on the partition's event-time clock, firing timers on the way;
 *   3. write record + new outputs into the outbox atomically per customer (compare-and-set)
 *      (apply-batch.ts);
 *   4. produce every pending output and dead-letter, and wait for Kafka's acknowledgement;
 *   5. clear those outbox entries and move the customers' timers; the consumer then commits the
 *      offset with the partition's watermark as its metadata (partition-clock.ts).
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
  const alertsEmitted = new Counter({ name: 'segmenter_churn_alerts_total', help: 'Churn alerts acknowledged by Kafka', labelNames: ['level'], registers: [deps.metrics] });
  const timersFired = new Counter({ name: 'segmenter_timers_fired_total', help: 'Silent customers evaluated because the partition clock reached their next evaluation time', registers: [deps.metrics] });
  const watermarks = new Gauge({ name: 'segmenter_partition_watermark_seconds', help: 'Event-time watermark of each customer-events partition (latest event time applied), epoch seconds', labelNames: ['partition'], registers: [deps.metrics] });
  const consumer = new BatchConsumer(deps.kafka, {
    groupId: settings.groupId,
    topics: [settings.topics.customerEvents],
    sessionTimeoutMs: settings.sessionTimeoutMs,
    stallTimeoutMs: 60_000,
    partitionsConcurrently: 4,
  }, logger);

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
    const { outgoing, rejected, counts, watermark, timers } = await applyBatch(applier, batch.partition, entries, watermarkFromMetadata(ctx.committedMetadata), version);

    await Promise.all([
      produce(settings.topics.segmentChanges, 'change', outgoing),
      produce(settings.topics.churnAlerts, 'alert', outgoing),
      produce(settings.topics.featureSnapshots, 'snapshot', outgoing),
      sendToDeadLetter(deps.producer, settings.topics.customerEventsDeadLetter, rejected),
    ]);
    await applier.store.clearPending(outboxEntries(outgoing));
    // Only now do the timers move: a crash before this line leaves them due, so the same customers are
    // loaded again with the batch and their outboxes re-sent (DESIGN.md invariant 10).
    await applier.timers.schedule(batch.partition, timers);

    records.inc({ result: 'applied' }, counts.applied);
    records.inc({ result: 'already_applied' }, counts.already_applied);
    records.inc({ result: 'ignored' }, counts.ignored);
    records.inc({ result: 'dead_lettered' }, rejected.length);
    timersFired.inc(counts.timers);
    if (watermark !== null) watermarks.set({ partition: String(batch.partition) }, watermark / 1000);
    for (const o of outgoing) {
      if (o.kind === 'change') {
        changesEmitted.inc({ dimension: o.value.dimension });
        logger.info('segment_changed', { changeId: o.value.changeId, dimension: o.value.dimension, from: o.value.fromSegment, to: o.value.toSegment, rule: o.value.rule });
      } else if (o.kind === 'alert') {
        alertsEmitted.inc({ level: o.value.level });
        logger.info('churn_alert', { alertId: o.value.alertId, level: o.value.level, risk: o.value.riskScore });
      }
    }
    return { metadata: metadataForWatermark(watermark) };
  }

  const schemaIds = { change: 0, alert: 0, snapshot: 0 };
  const schemas = { change: avroSchemas.segmentChange, alert: avroSchemas.churnAlert, snapshot: avroSchemas.featureSnapshot };

  async function produce(topic: string, kind: Output['kind'], outputs: readonly Output[]): Promise<void> {
    const mine = outputs.filter((o) => o.kind === kind);
    if (mine.length === 0) return;
    await deps.producer.send(topic, mine.map((o) => ({ key: o.value.customerId, value: deps.codec.encode(schemaIds[kind], schemas[kind], o.value) })));
  }

  return {
    consumer,
    store: applier.store,
    timers: applier.timers,
    async start(): Promise<void> {
      await claimLogIdentity(deps.redis, settings.redisKeyPrefix, `${await fetchClusterId(deps.kafka)}/${settings.topics.customerEvents}`);
      schemaIds.change = await deps.codec.register(valueSubject(settings.topics.segmentChanges), avroSchemas.segmentChange);
      schemaIds.alert = await deps.codec.register(valueSubject(settings.topics.churnAlerts), avroSchemas.churnAlert);
      schemaIds.snapshot = await deps.codec.register(valueSubject(settings.topics.featureSnapshots), avroSchemas.featureSnapshot);
      await consumer.connect(handle);
    },
    stop: () => consumer.disconnect(),
  };
}
