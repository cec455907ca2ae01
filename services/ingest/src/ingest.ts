import type { Registry } from 'prom-client';
import {
  sourceContracts,
  valueSubject,
  avroSchemas,
  type CurrencyTable,
  type CustomerEvent,
  type SourceContract,
  type TopicNames,
} from '@segmentation/contracts';
import {
  BatchConsumer,
  describeFailure,
  sendToDeadLetter,
  UndecodableError,
  withRetry,
  type AvroCodec,
  type ConsumedBatch,
  type ConsumedMessage,
  type DeadLetterCause,
  type Kafka,
  type OutgoingMessage,
  type ReliableProducer,
} from '@segmentation/kafka';
import type { ErasureList } from '@segmentation/erasure';
import type { Logger } from '@segmentation/runtime';
import { IngestTally, type MessageOutcome } from './ingest-tally.ts';
import { createTicker } from './ticker.ts';

export interface IngestSettings {
  groupId: string;
  topics: TopicNames;
  currencies: CurrencyTable;
  /** How far (ms) an event time may be ahead of the wall clock. */
  maxFutureSkewMs: number;
  /** Larger messages are dead-lettered as `oversized` before anything tries to decode them. */
  maxMessageBytes: number;
  /** Write a tick into a `customer-events` partition idle for this long (ms); 0 writes none (replays, tests). */
  tickIntervalMs: number;
  sessionTimeoutMs: number;
  /** Failures (not a dependency's) before the message that keeps failing is dead-lettered; absent: retried for ever. */
  processingAttempts?: number;
}

export interface IngestDeps {
  kafka: Kafka;
  producer: ReliableProducer;
  codec: AvroCodec;
  logger: Logger;
  metrics: Registry;
  now?: () => number;
  /** The erasure list, read whole before start(): messages about erased customers are dropped. */
  erasures?: ErasureList;
}

type Outcome = { event: CustomerEvent } | { cause: DeadLetterCause };

/**
 * The ingest role: reads the source topics (orders, shipments, complaints, customer profiles),
 * runs each message through a short chain of named steps — size, decode, validate & normalise —
 * and forwards it into `customer-events` keyed by customer id, stamped with its source position,
 * or dead-letters it with the reason. Source offsets are committed only after the forwards and
 * dead-letters are acknowledged (at least once; the segmenter recognises a re-forward exactly).
 */
export function createIngest(settings: IngestSettings, deps: IngestDeps) {
  const logger = deps.logger.child({ role: 'ingest' });
  const now = deps.now ?? Date.now;
  const contracts = new Map(sourceContracts(settings.topics).map((c) => [c.topic, c]));
  const tally = new IngestTally(deps.metrics);
  const consumer = new BatchConsumer(
    deps.kafka,
    {
      groupId: settings.groupId,
      metrics: deps.metrics,
      topics: [...contracts.keys()],
      sessionTimeoutMs: settings.sessionTimeoutMs,
      stallTimeoutMs: 60_000,
      // Every partition of every source at once: their offsets then go in one commit per round (coalescing.ts).
      partitionsConcurrently: 'every',
      poison:
        settings.processingAttempts === undefined
          ? undefined
          : {
              attempts: settings.processingAttempts,
              deadLetter: async (message, err) => {
                const cause = { reason: 'processing_failed', stage: 'ingest', step: 'forward', message: describeFailure(err) } as const;
                await sendToDeadLetter(deps.producer, contracts.get(message.topic)!.deadLetterTopic, [{ message, cause }]);
                tally.handled({ topic: message.topic, partition: message.partition, messages: [message] }, [
                  { deadLettered: cause.reason },
                ]);
              },
            },
    },
    logger,
  );
  const ticker = createTicker({ topic: settings.topics.customerEvents, intervalMs: settings.tickIntervalMs }, { ...deps, logger, now });
  let customerEventSchemaId = 0;

  async function process(contract: SourceContract, message: ConsumedMessage): Promise<Outcome> {
    const refuse = (step: string, reason: DeadLetterCause['reason'], text: string): Outcome => ({
      cause: { reason, message: text, step, stage: 'ingest' },
    });
    const size = (message.value?.length ?? 0) + (message.key?.length ?? 0);
    if (size > settings.maxMessageBytes)
      return refuse('size', 'oversized', `${size} bytes, more than the ${settings.maxMessageBytes} allowed`);
    let raw: unknown;
    try {
      raw = await withRetry(() => deps.codec.decode(message.value, contract.schema));
    } catch (err) {
      if (err instanceof UndecodableError) return refuse('decode', err.reason, err.message);
      throw err; // the registry stayed away: the batch is not committed and comes again
    }
    const source = { topic: message.topic, partition: message.partition, offset: Number(message.offset) };
    const result = contract.normalise(raw, message.key?.toString('utf8') ?? null, source, {
      currencies: settings.currencies,
      now: now(),
      maxFutureSkewMs: settings.maxFutureSkewMs,
    });
    return result.ok ? { event: result.value } : refuse('validate', result.reason, result.message);
  }

  async function handle(batch: ConsumedBatch): Promise<void> {
    const contract = contracts.get(batch.topic);
    if (!contract) throw new Error(`ingest is subscribed to ${batch.topic} but has no contract for it`);
    const forwards: OutgoingMessage[] = [];
    const rejected: Array<{ message: ConsumedMessage; cause: DeadLetterCause }> = [];
    const outcomes: MessageOutcome[] = [];
    for (const message of batch.messages) {
      const outcome = await process(contract, message);
      const customerId = 'event' in outcome ? outcome.event.customerId : message.key?.toString('utf8');
      if (customerId && deps.erasures?.has(customerId)) {
        outcomes.push('erased');
      } else if ('event' in outcome) {
        forwards.push({
          key: outcome.event.customerId,
          value: deps.codec.encode(customerEventSchemaId, avroSchemas.customerEvent, outcome.event),
        });
        outcomes.push('forwarded');
      } else {
        rejected.push({ message, cause: outcome.cause });
        outcomes.push({ deadLettered: outcome.cause.reason });
      }
    }
    const written = await deps.producer.sendWithPartitions(settings.topics.customerEvents, forwards);
    ticker.noteWritten(written);
    await sendToDeadLetter(deps.producer, contract.deadLetterTopic, rejected);
    tally.handled(batch, outcomes);
    for (const { message, cause } of rejected) {
      logger.warn('message_dead_lettered', {
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        reason: cause.reason,
        step: cause.step,
        detail: cause.message,
      });
    }
    if (forwards.length > 0)
      logger.info('events_forwarded', {
        topic: batch.topic,
        partition: batch.partition,
        count: forwards.length,
        lastOffset: batch.messages.at(-1)?.offset,
      });
  }

  return {
    consumer,
    async start(): Promise<void> {
      customerEventSchemaId = await deps.codec.register(valueSubject(settings.topics.customerEvents), avroSchemas.customerEvent);
      await consumer.connect(handle);
      await ticker.start(customerEventSchemaId);
    },
    async stop(): Promise<void> {
      await ticker.stop();
      await consumer.disconnect();
    },
  };
}
