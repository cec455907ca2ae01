import { Counter, Gauge, type Registry } from 'prom-client';
import { avroSchemas, valueSubject, type CustomerEvent, type SegmentChange } from '@segmentation/contracts';
import {
  BatchConsumer, fetchClusterId, sendToDeadLetter, UndecodableError,
  type AvroCodec, type BatchContext, type BatchDone, type ConsumedBatch, type ConsumedMessage, type DeadLetterCause, type Kafka, type ReliableProducer,
} from '@segmentation/kafka';
import type { Logger } from '@segmentation/runtime';
import { applyEvent, calendarFor, decodeRecord, emptyRecord, encodeRecord, type CustomerRecord, type Rules } from '@segmentation/segmentation';
import { claimLogIdentity, CustomerStateStore, EvaluationTimers, type CustomerCommit, type RedisClient, type StoredCustomer } from '@segmentation/state';
import { advance, metadataForWatermark, watermarkFromMetadata } from './partition-clock.ts';

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

type LogEntry =
  | { kind: 'event'; event: CustomerEvent; message: ConsumedMessage }
  | { kind: 'rejected'; message: ConsumedMessage; cause: DeadLetterCause };

interface Working {
  stored: StoredCustomer<CustomerRecord> | undefined;
  record: CustomerRecord;
  changed: boolean;
  decided: SegmentChange[];
}

/**
 * The segmenter role: reads `customer-events` in log order, folds each customer's events into
 * their feature record, evaluates them after every event, and emits segment changes. Per batch:
 *   1. read the customers' records and outboxes (one pipelined round trip per Redis node);
 *   2. apply records in log order on the partition's event-time clock, deciding changes;
 *   3. write record + new changes into the outbox atomically per customer (compare-and-set);
 *   4. produce every pending change and dead-letter, and wait for Kafka's acknowledgement;
 *   5. clear those outbox entries and set the customers' timers; the consumer then commits the
 *      offset with the partition's watermark as its metadata.
 * A crash anywhere leaves either nothing written (the batch is redone) or the changes in the
 * outbox, which step 4 re-sends when the same input comes round again.
 */
export function createSegmenter(settings: SegmenterSettings, deps: SegmenterDeps) {
  const logger = deps.logger.child({ role: 'segmenter' });
  const now = deps.now ?? Date.now;
  const calendar = calendarFor(settings.timeZone);
  const store = new CustomerStateStore(deps.redis, settings.redisKeyPrefix, customerRecordCodec);
  const timers = new EvaluationTimers(deps.redis, settings.redisKeyPrefix);
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
    const customerIds = [...new Set(entries.flatMap((e) => (e.kind === 'event' && e.event.customerId !== '' ? [e.event.customerId] : [])))];
    const stored = await store.load(customerIds);
    const working = new Map<string, Working>();
    const rejected: Array<{ message: ConsumedMessage; cause: DeadLetterCause }> = [];
    const counts = { applied: 0, already_applied: 0, ignored: 0 };
    let watermark = watermarkFromMetadata(ctx.committedMetadata);

    for (const entry of entries) {
      if (entry.kind === 'rejected') { rejected.push(entry); continue; }
      const { event, message } = entry;
      if (event.customerId === '') { // a tick: time passes in this partition, no customer is touched
        counts.ignored++;
        watermark = advance(watermark, event.eventTime);
        continue;
      }
      const customer = workingFor(working, stored, event.customerId);
      const outcome = applyEvent(customer.record, event, Number(message.offset), watermark ?? event.eventTime, settings.rules, { calendar });
      if (outcome.kind === 'duplicate') {
        rejected.push({ message, cause: { reason: 'duplicate', message: `event ${event.eventId} was already applied to customer ${event.customerId} (now at offset ${message.offset})`, step: 'apply', stage: 'segmenter' } });
        continue; // only applied records move the clock
      }
      watermark = advance(watermark, event.eventTime);
      counts[outcome.kind]++;
      if (outcome.kind === 'applied') {
        customer.record = outcome.record;
        customer.changed = true;
        for (const change of outcome.changes) customer.decided.push({ ...change, detectedAt: now() });
      }
    }

    const commits: Array<CustomerCommit<CustomerRecord>> = [];
    const outgoing: SegmentChange[] = [];
    for (const [customerId, c] of working) {
      // Outputs decided earlier but never acknowledged (a crash after the state write) go out again.
      for (const payload of c.stored?.pending.values() ?? []) outgoing.push(JSON.parse(payload) as SegmentChange);
      outgoing.push(...c.decided);
      if (c.changed) commits.push({ customerId, expectedVersion: c.stored?.version ?? '', state: c.record, outputs: c.decided.map((d) => [d.changeId, JSON.stringify(d)]) });
    }
    const version = `${batch.partition}:${batch.messages.at(-1)?.offset ?? ''}`;
    const conflicts = await store.commit(commits, version);
    if (conflicts.length > 0) throw new Error(`state of ${conflicts.length} customer(s) changed under this batch (another owner?); retrying the batch`);

    await deps.producer.send(settings.topics.segmentChanges, outgoing.map((c) => ({
      key: c.customerId,
      value: deps.codec.encode(segmentChangeSchemaId, avroSchemas.segmentChange, c),
    })));
    await sendToDeadLetter(deps.producer, settings.topics.customerEventsDeadLetter, rejected);
    await store.clearPending(groupIds(outgoing));
    // The index is derived from the records just committed: a crash before this line is repaired
    // when the batch comes again (DESIGN.md invariant 10).
    await timers.schedule(batch.partition, commits.map((c) => ({ customerId: c.customerId, at: c.state.nextEvaluationAt })));

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
    store,
    timers,
    async start(): Promise<void> {
      await claimLogIdentity(deps.redis, settings.redisKeyPrefix, `${await fetchClusterId(deps.kafka)}/${settings.topics.customerEvents}`);
      segmentChangeSchemaId = await deps.codec.register(valueSubject(settings.topics.segmentChanges), avroSchemas.segmentChange);
      await consumer.connect(handle);
    },
    stop: () => consumer.disconnect(),
  };
}

function workingFor(working: Map<string, Working>, stored: Map<string, StoredCustomer<CustomerRecord>>, customerId: string): Working {
  let customer = working.get(customerId);
  if (!customer) {
    const s = stored.get(customerId);
    customer = { stored: s, record: s?.state ?? emptyRecord(), changed: false, decided: [] };
    working.set(customerId, customer);
  }
  return customer;
}

function groupIds(changes: SegmentChange[]): Array<{ customerId: string; ids: string[] }> {
  const byCustomer = new Map<string, string[]>();
  for (const c of changes) byCustomer.set(c.customerId, [...(byCustomer.get(c.customerId) ?? []), c.changeId]);
  return [...byCustomer].map(([customerId, ids]) => ({ customerId, ids }));
}
