import { Counter, type Registry } from 'prom-client';
import { insertSegmentChanges, segmentChangeRow, type ClickHouseClient, type SegmentChangeRow } from '@segmentation/clickhouse';
import { avroSchemas, type SegmentChange } from '@segmentation/contracts';
import { BatchConsumer, sendToDeadLetter, UndecodableError, type AvroCodec, type ConsumedMessage, type DeadLetterCause, type Kafka, type ReliableProducer } from '@segmentation/kafka';
import type { Logger } from '@segmentation/runtime';

export interface SinkSettings {
  groupId: string;
  topics: { segmentChanges: string; segmentChangesDeadLetter: string };
  sessionTimeoutMs: number;
}

export interface SinkDeps {
  kafka: Kafka;
  producer: ReliableProducer;
  codec: AvroCodec;
  clickhouse: ClickHouseClient;
  logger: Logger;
  metrics: Registry;
}

/**
 * The sink role: writes segment changes into ClickHouse. A batch's offsets are committed only
 * after its insert returned; a redelivered row carries the same change_id and collapses in the
 * table's ReplacingMergeTree key.
 */
export function createSink(settings: SinkSettings, deps: SinkDeps) {
  const logger = deps.logger.child({ role: 'sink' });
  const rowsWritten = new Counter({ name: 'sink_rows_written_total', help: 'Rows inserted into ClickHouse', labelNames: ['table'], registers: [deps.metrics] });
  const deadLettered = new Counter({ name: 'sink_messages_dead_lettered_total', help: 'Messages the sink could not turn into rows', labelNames: ['topic', 'reason'], registers: [deps.metrics] });
  const consumer = new BatchConsumer(deps.kafka, {
    groupId: settings.groupId,
    topics: [settings.topics.segmentChanges],
    sessionTimeoutMs: settings.sessionTimeoutMs,
    stallTimeoutMs: 60_000,
    partitionsConcurrently: 1,
  }, logger);

  return {
    consumer,
    async start(): Promise<void> {
      await consumer.connect(async (batch) => {
        const rows: SegmentChangeRow[] = [];
        const rejected: Array<{ message: ConsumedMessage; cause: DeadLetterCause }> = [];
        for (const message of batch.messages) {
          try {
            rows.push(segmentChangeRow(await deps.codec.decode<SegmentChange>(message.value, avroSchemas.segmentChange)));
          } catch (err) {
            if (!(err instanceof UndecodableError)) throw err;
            rejected.push({ message, cause: { reason: err.reason, message: err.message, step: 'decode', stage: 'sink' } });
          }
        }
        await insertSegmentChanges(deps.clickhouse, rows);
        await sendToDeadLetter(deps.producer, settings.topics.segmentChangesDeadLetter, rejected);
        rowsWritten.inc({ table: 'segment_changes' }, rows.length);
        for (const { cause } of rejected) deadLettered.inc({ topic: batch.topic, reason: cause.reason });
        logger.info('segment_changes_stored', { partition: batch.partition, rows: rows.length, changeIds: rows.slice(0, 5).map((r) => r.change_id) });
      });
    },
    stop: () => consumer.disconnect(),
  };
}
