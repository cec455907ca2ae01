import { Counter, type Registry } from 'prom-client';
import { avroSchemas, valueSubject, type CustomerEvent, type SegmentChange } from '@segmentation/contracts';
import { BatchConsumer, fetchClusterId, sendToDeadLetter, UndecodableError, type AvroCodec, type ConsumedBatch, type ConsumedMessage, type DeadLetterCause, type Kafka, type ReliableProducer } from '@segmentation/kafka';
import type { Logger } from '@segmentation/runtime';
import { applyEvent, emptyState, type CustomerState, type Rules } from '@segmentation/segmentation';
import { claimLogIdentity, CustomerStateStore, type CustomerCommit, type Redis } from '@segmentation/state';

export interface SegmenterSettings {
  groupId: string;
  topics: { customerEvents: string; customerEventsDeadLetter: string; segmentChanges: string };
  redisKeyPrefix: string;
  rules: Rules;
  sessionTimeoutMs: number;
}

export interface SegmenterDeps {
  kafka: Kafka;
  producer: ReliableProducer;
  codec: AvroCodec;
  redis: Redis;
  logger: Logger;
  metrics: Registry;
  /** Wall clock, used only for an output's detection time (never in ids or state). */
  now?: () => number;
}

interface LogRecord {
  event: CustomerEvent;
  offset: number;
}

/**
 * The segmenter role: reads `customer-events` in log order, folds each customer's events into
 * their state, evaluates them after every event, and emits segment changes. Per batch:
 *   1. read the customers' state and outboxes (one pipelined round trip);
 *   2. apply events in log order, deciding changes;
 *   3. write state + new changes into the outbox atomically per customer (compare-and-set);
 *   4. produce every pending change and wait for Kafka's acknowledgement;
 *   5. clear those outbox entries; the consumer then commits the offset.
 * A crash anywhere leaves either nothing written (the batch is redone) or the changes in the
 * outbox, which step 4 re-sends when the same input comes round again.
 */
export function createSegmenter(settings: SegmenterSettings, deps: SegmenterDeps) {
  const logger = deps.logger.child({ role: 'segmenter' });
  const now = deps.now ?? Date.now;
  const store = new CustomerStateStore<CustomerState>(deps.redis, settings.redisKeyPrefix);
  const records = new Counter({ name: 'segmenter_records_total', help: 'customer-events records consumed, by outcome', labelNames: ['result'], registers: [deps.metrics] });
  const changesEmitted = new Counter({ name: 'segmenter_segment_changes_total', help: 'Segment changes acknowledged by Kafka', labelNames: ['dimension'], registers: [deps.metrics] });
  const consumer = new BatchConsumer(deps.kafka, {
    groupId: settings.groupId,
    topics: [settings.topics.customerEvents],
    sessionTimeoutMs: settings.sessionTimeoutMs,
    stallTimeoutMs: 60_000,
    partitionsConcurrently: 4,
  }, logger);
  let segmentChangeSchemaId = 0;

  async function decode(batch: ConsumedBatch) {
    const byCustomer = new Map<string, LogRecord[]>();
    const rejected: Array<{ message: ConsumedMessage; cause: DeadLetterCause }> = [];
    for (const message of batch.messages) {
      try {
        const event = await deps.codec.decode<CustomerEvent>(message.value, avroSchemas.customerEvent);
        if (event.customerId === '') { records.inc({ result: 'ignored' }); continue; } // a tick: no customer
        const list = byCustomer.get(event.customerId) ?? [];
        list.push({ event, offset: Number(message.offset) });
        byCustomer.set(event.customerId, list);
      } catch (err) {
        if (!(err instanceof UndecodableError)) throw err;
        rejected.push({ message, cause: { reason: err.reason, message: err.message, step: 'decode', stage: 'segmenter' } });
      }
    }
    return { byCustomer, rejected };
  }

  async function handle(batch: ConsumedBatch): Promise<void> {
    const { byCustomer, rejected } = await decode(batch);
    const stored = await store.load([...byCustomer.keys()]);
    const commits: Array<CustomerCommit<CustomerState>> = [];
    const outgoing: SegmentChange[] = [];
    let applied = 0;
    let skipped = 0;
    for (const [customerId, events] of byCustomer) {
      const current = stored.get(customerId);
      let state = current?.state ?? emptyState(customerId);
      const decided: SegmentChange[] = [];
      let appliedHere = 0;
      for (const { event, offset } of events) {
        const outcome = applyEvent(state, event, offset, settings.rules);
        if (outcome.kind === 'already_applied') { skipped++; continue; }
        appliedHere++;
        state = outcome.state;
        for (const change of outcome.changes) decided.push({ ...change, detectedAt: now() });
      }
      // Outputs decided earlier but never acknowledged (a crash after the state write) go out again.
      for (const payload of current?.pending.values() ?? []) outgoing.push(JSON.parse(payload) as SegmentChange);
      outgoing.push(...decided);
      applied += appliedHere;
      if (appliedHere > 0) {
        commits.push({ customerId, expectedVersion: current?.version ?? '', state, outputs: decided.map((c) => [c.changeId, JSON.stringify(c)]) });
      }
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

    records.inc({ result: 'applied' }, applied);
    records.inc({ result: 'already_applied' }, skipped);
    records.inc({ result: 'dead_lettered' }, rejected.length);
    for (const c of outgoing) {
      changesEmitted.inc({ dimension: c.dimension });
      logger.info('segment_changed', { changeId: c.changeId, dimension: c.dimension, from: c.fromSegment, to: c.toSegment, rule: c.rule });
    }
  }

  return {
    consumer,
    async start(): Promise<void> {
      await claimLogIdentity(deps.redis, settings.redisKeyPrefix, `${await fetchClusterId(deps.kafka)}/${settings.topics.customerEvents}`);
      segmentChangeSchemaId = await deps.codec.register(valueSubject(settings.topics.segmentChanges), avroSchemas.segmentChange);
      await consumer.connect(handle);
    },
    stop: () => consumer.disconnect(),
  };
}

function groupIds(changes: SegmentChange[]): Array<{ customerId: string; ids: string[] }> {
  const byCustomer = new Map<string, string[]>();
  for (const c of changes) byCustomer.set(c.customerId, [...(byCustomer.get(c.customerId) ?? []), c.changeId]);
  return [...byCustomer].map(([customerId, ids]) => ({ customerId, ids }));
}
