import { Counter, Gauge, type Registry } from 'prom-client';
import { avroSchemas, valueSubject } from '@segmentation/contracts';
import {
  BatchConsumer,
  fetchClusterId,
  partitionCounts,
  sendToDeadLetter,
  type AvroCodec,
  type BatchContext,
  type BatchDone,
  type ConsumedBatch,
  type Kafka,
  type ReliableProducer,
} from '@segmentation/kafka';
import type { Logger } from '@segmentation/runtime';
import { customerRecordCodec, readRulesHistory } from '@segmentation/readers';
import { InFlight, type ErasureList } from '@segmentation/erasure';
import { calendarFor, type CompiledRules } from '@segmentation/segmentation';
import { claimLogIdentity, CustomerStateStore, EvaluationTimers, type EvaluationTimer, type RedisClient } from '@segmentation/state';
import { outboxEntries, type Outgoing, type Output, type OutputEncoder } from './outbox.ts';
import { SnapshotWriter } from './snapshot-writer.ts';
import { faultPoints, type FaultSetting } from './fault-point.ts';
import { markFromMetadata, metadataForMark, PartitionClocks } from './partition-clock.ts';
import { decodeLogEntries, runPartitionLog, type PartitionRunner } from './partition-log.ts';
import { applyRulesVersion, RulesBook } from './rules-registry.ts';

export interface SegmenterSettings {
  groupId: string;
  topics: {
    customerEvents: string;
    customerEventsDeadLetter: string;
    segmentChanges: string;
    churnAlerts: string;
    featureSnapshots: string;
    rulesVersions: string;
  };
  redisKeyPrefix: string;
  /** The rules file (RULES_FILE): applied as the first version when none has been (see rules-registry.ts). */
  rules: CompiledRules;
  /** IANA zone in which business days begin (window edges). */
  timeZone: string;
  sessionTimeoutMs: number;
  /**
   * Bytes fetched per partition at most: the size of a batch, and so of what a crash redoes. Every
   * partition is handled at once, so this times the partitions bounds the records held in memory.
   */
  maxBatchBytes?: number;
  /** Test-only (the crash test): kill the process at a point of the step (fault-point.ts). */
  fault?: FaultSetting;
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
  /** The erasure list, read whole before start(): erased customers' records are skipped, their state removed. */
  erasures?: ErasureList;
}

const OUTPUT_SCHEMAS = { change: avroSchemas.segmentChange, alert: avroSchemas.churnAlert, snapshot: avroSchemas.featureSnapshot };

/**
 * Outputs as their Kafka values, under the schema ids their topics' subjects were registered with.
 * Snapshots, the largest, by their own writer (snapshot-writer.ts), the same bytes as the codec's.
 */
export function outputEncoder(codec: AvroCodec, schemaIds: Readonly<Record<Output['kind'], number>>): OutputEncoder {
  const snapshots = new SnapshotWriter();
  return (o) =>
    o.kind === 'snapshot' ? snapshots.write(schemaIds.snapshot, o.value) : codec.encode(schemaIds[o.kind], OUTPUT_SCHEMAS[o.kind], o.value);
}

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
 *      offset with the partition's watermark and rules version as its metadata (partition-clock.ts).
 * A rules control record splits the batch: the records before it run under the old rules, then the
 * partition's customers are re-evaluated under the new ones (rules-reevaluation.ts), then the rest.
 * A crash anywhere leaves either nothing written (the batch is redone) or the changes in the
 * outbox, which step 4 re-sends when the same input comes round again.
 * Customers on the erasure list are skipped, and their record and timers deleted (erasure-list.ts).
 */
export function createSegmenter(settings: SegmenterSettings, deps: SegmenterDeps) {
  const logger = deps.logger.child({ role: 'segmenter' });
  const now = deps.now ?? Date.now;
  const store = new CustomerStateStore(deps.redis, settings.redisKeyPrefix, customerRecordCodec);
  const timers = new EvaluationTimers(deps.redis, settings.redisKeyPrefix);
  const options = { calendar: calendarFor(settings.timeZone) };
  const book = new RulesBook(() => readRulesHistory(deps, settings.topics.rulesVersions));
  const records = new Counter({
    name: 'segmenter_records_total',
    help: 'customer-events records consumed, by outcome',
    labelNames: ['result'],
    registers: [deps.metrics],
  });
  const changesEmitted = new Counter({
    name: 'segmenter_segment_changes_total',
    help: 'Segment changes acknowledged by Kafka',
    labelNames: ['dimension'],
    registers: [deps.metrics],
  });
  const alertsEmitted = new Counter({
    name: 'segmenter_churn_alerts_total',
    help: 'Churn alerts acknowledged by Kafka',
    labelNames: ['level'],
    registers: [deps.metrics],
  });
  const evaluationsFailed = new Counter({
    name: 'segmenter_evaluations_failed_total',
    help: 'Customer evaluations the fold failed on (a bug or a value no code path expected) and skipped: an event dead-lettered (processing_failed), or a timer',
    labelNames: ['kind'],
    registers: [deps.metrics],
  });
  const timersFired = new Counter({
    name: 'segmenter_timers_fired_total',
    help: 'Silent customers evaluated because the partition clock reached their next evaluation time',
    registers: [deps.metrics],
  });
  const watermarks = new Gauge({
    name: 'segmenter_partition_watermark_seconds',
    help: 'Event-time watermark of each customer-events partition (latest event time applied), epoch seconds',
    labelNames: ['partition'],
    registers: [deps.metrics],
  });
  const reevaluated = new Counter({
    name: 'segmenter_rules_reevaluated_customers_total',
    help: 'Customers re-evaluated because a rules control record put new rules in force',
    registers: [deps.metrics],
  });
  const reevaluationsLeft = new Gauge({
    name: 'segmenter_rules_reevaluation_remaining',
    help: 'Customers of the partition still to re-evaluate under the rules just put in force',
    labelNames: ['partition'],
    registers: [deps.metrics],
  });
  const consumer = new BatchConsumer(
    deps.kafka,
    {
      groupId: settings.groupId,
      metrics: deps.metrics,
      topics: [settings.topics.customerEvents],
      sessionTimeoutMs: settings.sessionTimeoutMs,
      stallTimeoutMs: 60_000,
      // Every partition at once: their outputs go in one produce request, and their offsets in one
      // commit, per round (coalescing.ts), instead of a round trip each behind one another.
      partitionsConcurrently: 'every',
      maxBytesPerPartition: settings.maxBatchBytes,
    },
    logger,
  );

  const schemaIds = { change: 0, alert: 0, snapshot: 0 }; // registered in start()
  // The log's partition count, as the brokers report it (start-up verified it is what the design needs).
  let partitionCount: number | undefined;
  const logPartitions = async () =>
    (partitionCount ??= (await partitionCounts(deps.kafka, [settings.topics.customerEvents])).get(settings.topics.customerEvents)!);
  const erasures = deps.erasures;
  const inFlight = new InFlight();
  const clocks = new PartitionClocks();
  const reached = faultPoints(settings.fault);
  erasures?.onErased('segmenter', async (customerIds) => {
    await inFlight.settled(); // a batch that loaded them before they were listed may still write them
    await store.erase(customerIds);
    await timers.remove(customerIds, await logPartitions());
  });

  const runner: PartitionRunner = {
    store,
    timers,
    options,
    now,
    book,
    logger,
    emit,
    encode: outputEncoder(deps.codec, schemaIds),
    erased: (customerId) => erasures?.has(customerId) ?? false,
    observe: {
      applied(partition, applied) {
        records.inc({ result: 'applied' }, applied.counts.applied);
        records.inc({ result: 'already_applied' }, applied.counts.already_applied);
        records.inc({ result: 'ignored' }, applied.counts.ignored);
        records.inc({ result: 'erased' }, applied.counts.erased);
        records.inc({ result: 'dead_lettered' }, applied.rejected.length);
        timersFired.inc(applied.counts.timers);
        for (const f of applied.failures) {
          evaluationsFailed.inc({ kind: f.eventId === null ? 'timer' : 'event' });
          logger.error('customer_evaluation_failed', { partition, customerId: f.customerId, eventId: f.eventId, at: f.at, error: f.error });
        }
        if (applied.watermark !== null) watermarks.set({ partition: String(partition) }, applied.watermark / 1000);
      },
      control: () => records.inc({ result: 'control' }),
      reevaluating: (partition, done, total) => reevaluationsLeft.set({ partition: String(partition) }, total - done),
      reevaluated: (_, customers) => reevaluated.inc(customers),
    },
  };

  function handle(batch: ConsumedBatch, ctx: BatchContext): Promise<BatchDone> {
    return inFlight.track(
      (async () => {
        const entries = await decodeLogEntries(deps.codec, batch.messages);
        const committed = markFromMetadata(ctx.committedMetadata);
        clocks.check(batch.partition, batch.messages[0]!.offset, committed);
        const mark = await runPartitionLog(runner, batch.partition, entries, committed, () => ctx.heartbeat());
        reached('produced'); // outputs acknowledged, outboxes cleared, timers moved; the offset not yet committed
        clocks.completed(batch.partition, batch.messages.at(-1)!.offset, mark);
        return { metadata: metadataForMark(mark) };
      })(),
    );
  }

  /** Produces outputs and dead letters, waits for Kafka, then clears the outboxes and moves the timers. */
  async function emit(
    partition: number,
    outgoing: Outgoing[],
    next: EvaluationTimer[],
    rejected: Parameters<typeof sendToDeadLetter>[2],
  ): Promise<void> {
    reached('state_written'); // the customers' state and outboxes are in Redis; nothing produced yet
    await Promise.all([
      produce(settings.topics.segmentChanges, 'change', outgoing),
      produce(settings.topics.churnAlerts, 'alert', outgoing),
      produce(settings.topics.featureSnapshots, 'snapshot', outgoing),
      sendToDeadLetter(deps.producer, settings.topics.customerEventsDeadLetter, rejected),
    ]);
    await store.clearPending(outboxEntries(outgoing));
    // Only now do the timers move: a crash before this line leaves them due, so the same customers are
    // loaded again with the batch and their outboxes re-sent (DESIGN.md invariant 10).
    await timers.schedule(partition, next);
    for (const o of outgoing) {
      if (o.kind === 'snapshot') continue;
      const decided = o.decided ?? ({ kind: o.kind, value: await deps.codec.decode(o.value, OUTPUT_SCHEMAS[o.kind]) } as Output); // re-sent after a crash
      if (decided.kind === 'change') {
        changesEmitted.inc({ dimension: decided.value.dimension });
        logger.info('segment_changed', {
          changeId: decided.value.changeId,
          dimension: decided.value.dimension,
          from: decided.value.fromSegment,
          to: decided.value.toSegment,
          rule: decided.value.rule,
        });
      } else if (decided.kind === 'alert') {
        alertsEmitted.inc({ level: decided.value.level });
        logger.info('churn_alert', { alertId: decided.value.alertId, alertLevel: decided.value.level, risk: decided.value.riskScore });
      }
    }
  }

  async function produce(topic: string, kind: Output['kind'], outputs: readonly Outgoing[]): Promise<void> {
    const mine = outputs.filter((o) => o.kind === kind);
    if (mine.length === 0) return;
    await deps.producer.send(
      topic,
      mine.map((o) => ({ key: o.customerId, value: o.value })),
    );
  }

  /** The first start applies RULES_FILE as the first version; later, a different file is only reported. */
  async function adoptRulesFile(): Promise<void> {
    await book.refresh();
    const file = settings.rules;
    if (book.first === null) {
      await applyRulesVersion(
        deps,
        settings.topics,
        file,
        { appliedBy: 'segmenter start-up (RULES_FILE)', note: 'first rules version', appliedAt: now() },
        false,
      );
      await book.refresh();
    } else if (book.latest !== file.version) {
      logger.warn('rules_file_not_in_force', {
        rulesFileVersion: file.version,
        inForce: book.latest,
        hint: 'rules change only through the log: `pnpm rules publish <file>` (see docs/rules.md)',
      });
    }
    const inForce = await book.inForce(book.latest);
    if (!inForce.rules.churn.fitted) {
      logger.warn('churn_model_not_fitted', {
        rulesVersion: inForce.version,
        hint: "churn risks use the documented prior of the rules file until `pnpm churn fit --publish` fits them on this company's history (docs/churn.md)",
      });
    }
  }

  return {
    consumer,
    store,
    timers,
    async start(): Promise<void> {
      await claimLogIdentity(deps.redis, settings.redisKeyPrefix, `${await fetchClusterId(deps.kafka)}/${settings.topics.customerEvents}`);
      schemaIds.change = await deps.codec.register(valueSubject(settings.topics.segmentChanges), avroSchemas.segmentChange);
      schemaIds.alert = await deps.codec.register(valueSubject(settings.topics.churnAlerts), avroSchemas.churnAlert);
      schemaIds.snapshot = await deps.codec.register(valueSubject(settings.topics.featureSnapshots), avroSchemas.featureSnapshot);
      await adoptRulesFile();
      await logPartitions();
      await consumer.connect(handle);
    },
    stop: () => consumer.disconnect(),
  };
}
