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
import type { RedisClient } from '@segmentation/state';
import { createRedisCarryStore, entityId, type CarryEntry, type EntityRef } from './carry-store.ts';
import { IngestTally, type MessageOutcome } from './ingest-tally.ts';
import { createMappedSource, type MappedOutcome } from './mapped-source.ts';
import { DEFAULT_SOURCES, topicOf, type SourceEntry } from './sources-file.ts';
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
  /** The topics read and how each is written (SOURCES_FILE); absent: the four contract topics, in Avro. */
  sources?: SourceEntry[];
  /** The business's time zone: JSON sources' times without an offset are its wall-clock times. */
  timeZone?: string;
  /** Prepended to the carry-forward store's Redis keys. */
  redisKeyPrefix?: string;
}

export interface IngestDeps {
  kafka: Kafka;
  producer: ReliableProducer;
  codec: AvroCodec;
  logger: Logger;
  metrics: Registry;
  now?: () => number;
  /** Where JSON sources keep the carry-forward fields of each order, shipment and complaint; needed when there are any. */
  redis?: RedisClient;
  /** The erasure list, read whole before start(): messages about erased customers are dropped. */
  erasures?: ErasureList;
}

type Outcome =
  { event: CustomerEvent; carry?: { entity: EntityRef; entry: CarryEntry } } | { ignored: string } | { cause: DeadLetterCause };

/** One topic ingest reads: its contract (validation, dead-letter topic) and, for a JSON or Debezium source, its mapping. */
interface SourceReader {
  contract: SourceContract;
  mapped?: ReturnType<typeof createMappedSource>;
}

/**
 * The ingest role: reads the source topics (orders, shipments, complaints, customer profiles, and
 * the JSON topics of the sources file), runs each message through a short chain of named steps —
 * size, decode (Avro, or JSON then map with the import's mapping), validate & normalise —
 * and forwards it into `customer-events` keyed by customer id, stamped with its source position,
 * or dead-letters it with the reason. Source offsets are committed only after the forwards and
 * dead-letters are acknowledged (at least once; the segmenter recognises a re-forward exactly).
 */
export function createIngest(settings: IngestSettings, deps: IngestDeps) {
  const logger = deps.logger.child({ role: 'ingest' });
  const now = deps.now ?? Date.now;
  const byKind = new Map(sourceContracts(settings.topics).map((c) => [c.kind, c]));
  const sources = settings.sources ?? DEFAULT_SOURCES;
  const needsStore = sources.some((s) => s.format !== 'avro');
  if (needsStore && !deps.redis) throw new Error('ingest has JSON or Debezium sources but no Redis for their carry-forward store');
  const store = needsStore && deps.redis ? createRedisCarryStore(deps.redis, settings.redisKeyPrefix ?? '') : undefined;
  const contracts = new Map<string, SourceReader>(
    sources.map((s) => {
      const contract = { ...byKind.get(s.kind)!, topic: topicOf(s, settings.topics) };
      const mapped =
        s.format === 'avro' ? undefined : createMappedSource({ ...s, timeZone: settings.timeZone ?? 'Asia/Shanghai' }, contract, store);
      return [contract.topic, { contract, mapped }];
    }),
  );
  // What the store holds is of customers too: an erased customer's orders, shipments and complaints go with them.
  if (store) deps.erasures?.onErased('ingest', (customerIds) => store.forget(customerIds));
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
                await sendToDeadLetter(deps.producer, contracts.get(message.topic)!.contract.deadLetterTopic, [{ message, cause }]);
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

  const refuse = (step: string, reason: DeadLetterCause['reason'], text: string): Outcome => ({
    cause: { reason, message: text, step, stage: 'ingest' },
  });
  const validation = () => ({ currencies: settings.currencies, now: now(), maxFutureSkewMs: settings.maxFutureSkewMs });

  function oversized(message: ConsumedMessage): Outcome | undefined {
    const size = (message.value?.length ?? 0) + (message.key?.length ?? 0);
    return size > settings.maxMessageBytes
      ? refuse('size', 'oversized', `${size} bytes, more than the ${settings.maxMessageBytes} allowed`)
      : undefined;
  }

  async function process(contract: SourceContract, message: ConsumedMessage): Promise<Outcome> {
    const tooLarge = oversized(message);
    if (tooLarge) return tooLarge;
    let raw: unknown;
    try {
      raw = await withRetry(() => deps.codec.decode(message.value, contract.schema));
    } catch (err) {
      if (err instanceof UndecodableError) return refuse('decode', err.reason, err.message);
      throw err; // the registry stayed away: the batch is not committed and comes again
    }
    const source = { topic: message.topic, partition: message.partition, offset: Number(message.offset) };
    const result = contract.normalise(raw, message.key?.toString('utf8') ?? null, source, validation());
    return result.ok ? { event: result.value } : refuse('validate', result.reason, result.message);
  }

  /** A mapped source's batch: the messages small enough are mapped together (their carry-forward is looked up at once). */
  async function processMapped(source: NonNullable<SourceReader['mapped']>, messages: ConsumedMessage[]): Promise<Outcome[]> {
    const sized = messages.map((m) => oversized(m));
    const mapped = await source.mapBatch(
      messages.filter((_, i) => sized[i] === undefined),
      validation(),
    );
    let next = 0;
    return sized.map((o): MappedOutcome => o ?? mapped[next++]!);
  }

  async function handle(batch: ConsumedBatch): Promise<void> {
    const reader = contracts.get(batch.topic);
    if (!reader) throw new Error(`ingest is subscribed to ${batch.topic} but has no contract for it`);
    const { contract, mapped } = reader;
    const forwards: OutgoingMessage[] = [];
    const rejected: Array<{ message: ConsumedMessage; cause: DeadLetterCause }> = [];
    const outcomes: MessageOutcome[] = [];
    const carried = new Map<string, { entity: EntityRef; entry: CarryEntry }>();
    const mappedOutcomes = mapped ? await processMapped(mapped, batch.messages) : undefined;
    for (const [i, message] of batch.messages.entries()) {
      const outcome = mappedOutcomes ? mappedOutcomes[i]! : await process(contract, message);
      const customerId = 'event' in outcome ? outcome.event.customerId : message.key?.toString('utf8');
      if ('ignored' in outcome) {
        outcomes.push('ignored');
      } else if (customerId && deps.erasures?.has(customerId)) {
        outcomes.push('erased');
      } else if ('event' in outcome) {
        forwards.push({
          key: outcome.event.customerId,
          value: deps.codec.encode(customerEventSchemaId, avroSchemas.customerEvent, outcome.event),
        });
        outcomes.push('forwarded');
        // In batch order, so the latest row of each order, shipment or complaint is what stays.
        if (outcome.carry) carried.set(entityId(outcome.carry.entity), outcome.carry);
      } else {
        rejected.push({ message, cause: outcome.cause });
        outcomes.push({ deadLettered: outcome.cause.reason });
      }
    }
    const written = await deps.producer.sendWithPartitions(settings.topics.customerEvents, forwards);
    ticker.noteWritten(written);
    await sendToDeadLetter(deps.producer, contract.deadLetterTopic, rejected);
    // Only after Kafka acknowledged the forwards: the store must never know a row the log does not
    // have. Written before, a row whose forward then failed for good (dead-lettered as
    // processing_failed) would already have lent its fields to the rows after it. Written after, a
    // crash in between costs nothing: the batch comes again, its rows are mapped again, and their
    // re-forwards are recognised by their source position.
    if (store && carried.size > 0) await store.save([...carried.values()]);
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
