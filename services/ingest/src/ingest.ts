import { Counter, type Registry } from 'prom-client';
import { avroSchemas, normaliseOrder, valueSubject, type CurrencyTable, type CustomerEvent, type Order } from '@segmentation/contracts';
import { BatchConsumer, sendToDeadLetter, UndecodableError, type AvroCodec, type ConsumedMessage, type DeadLetterCause, type Kafka, type OutgoingMessage, type ReliableProducer } from '@segmentation/kafka';
import type { Logger } from '@segmentation/runtime';

export interface IngestSettings {
  groupId: string;
  topics: { orders: string; ordersDeadLetter: string; customerEvents: string };
  currencies: CurrencyTable;
  /** How far (ms) an event time may be ahead of the wall clock. */
  maxFutureSkewMs: number;
  sessionTimeoutMs: number;
}

export interface IngestDeps {
  kafka: Kafka;
  producer: ReliableProducer;
  codec: AvroCodec;
  logger: Logger;
  metrics: Registry;
  now?: () => number;
}

/**
 * The ingest role: reads the source topics, validates and normalises each record, and forwards
 * it into `customer-events` keyed by customer id, stamped with its source position. Bad records
 * go to the source topic's dead-letter twin with a reason. Source offsets are committed only
 * after the forwards and dead-letters are acknowledged (at-least-once; the segmenter recognises
 * a re-forward by its source position).
 */
export function createIngest(settings: IngestSettings, deps: IngestDeps) {
  const logger = deps.logger.child({ role: 'ingest' });
  const now = deps.now ?? Date.now;
  const consumed = new Counter({ name: 'ingest_messages_consumed_total', help: 'Source messages consumed by ingest', labelNames: ['topic'], registers: [deps.metrics] });
  const forwarded = new Counter({ name: 'ingest_messages_forwarded_total', help: 'Source messages forwarded into customer-events', labelNames: ['topic'], registers: [deps.metrics] });
  const deadLettered = new Counter({ name: 'ingest_messages_dead_lettered_total', help: 'Source messages sent to their dead-letter topic', labelNames: ['topic', 'reason'], registers: [deps.metrics] });
  const consumer = new BatchConsumer(deps.kafka, {
    groupId: settings.groupId,
    topics: [settings.topics.orders],
    sessionTimeoutMs: settings.sessionTimeoutMs,
    stallTimeoutMs: 60_000,
    partitionsConcurrently: 2,
  }, logger);
  let customerEventSchemaId = 0;

  async function normalise(message: ConsumedMessage): Promise<{ event: CustomerEvent } | { cause: DeadLetterCause }> {
    let order: Order;
    try {
      order = await deps.codec.decode<Order>(message.value, avroSchemas.order);
    } catch (err) {
      if (err instanceof UndecodableError) return { cause: { reason: 'undecodable', message: err.message, step: 'decode', stage: 'ingest' } };
      throw err; // registry unreachable: retriable, the batch comes again
    }
    const source = { topic: message.topic, partition: message.partition, offset: Number(message.offset) };
    const result = normaliseOrder(order, message.key?.toString('utf8') ?? null, source, {
      currencies: settings.currencies,
      now: now(),
      maxFutureSkewMs: settings.maxFutureSkewMs,
    });
    return result.ok ? { event: result.value } : { cause: { reason: result.reason, message: result.message, step: 'validate', stage: 'ingest' } };
  }

  return {
    consumer,
    async start(): Promise<void> {
      customerEventSchemaId = await deps.codec.register(valueSubject(settings.topics.customerEvents), avroSchemas.customerEvent);
      await consumer.connect(async (batch) => {
        consumed.inc({ topic: batch.topic }, batch.messages.length);
        const forwards: OutgoingMessage[] = [];
        const rejected: Array<{ message: ConsumedMessage; cause: DeadLetterCause }> = [];
        for (const message of batch.messages) {
          const outcome = await normalise(message);
          if ('event' in outcome) {
            forwards.push({ key: outcome.event.customerId, value: deps.codec.encode(customerEventSchemaId, avroSchemas.customerEvent, outcome.event) });
          } else {
            rejected.push({ message, cause: outcome.cause });
          }
        }
        await deps.producer.send(settings.topics.customerEvents, forwards);
        await sendToDeadLetter(deps.producer, settings.topics.ordersDeadLetter, rejected);
        forwarded.inc({ topic: batch.topic }, forwards.length);
        for (const { message, cause } of rejected) {
          deadLettered.inc({ topic: batch.topic, reason: cause.reason });
          logger.warn('message_dead_lettered', { topic: message.topic, partition: message.partition, offset: message.offset, reason: cause.reason, detail: cause.message });
        }
        if (forwards.length > 0) logger.info('orders_forwarded', { partition: batch.partition, count: forwards.length, lastOffset: batch.messages.at(-1)?.offset });
      });
    },
    stop: () => consumer.disconnect(),
  };
}
