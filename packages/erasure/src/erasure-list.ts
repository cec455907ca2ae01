import { Gauge, type Registry } from 'prom-client';
import { avroSchemas, valueSubject, type CustomerErasure } from '@segmentation/contracts';
import { backoffDelay, ServiceUnavailableError, sleep, type HealthCheck, type Logger } from '@segmentation/runtime';
import {
  readTopicToEnd,
  tailTopics,
  topicOffsets,
  UndecodableError,
  type AvroCodec,
  type ConsumedMessage,
  type Kafka,
  type ReliableProducer,
  type TopicTail,
} from '@segmentation/kafka';

/** What a role does about erased customers: remove what it holds of them. Must be idempotent. */
export type ErasureHandler = (customerIds: string[]) => Promise<void>;

export interface ErasureListSettings {
  topic: string;
  /** Prefix of the process's own consumer group for following the list. */
  groupPrefix: string;
  /** How long start() waits to have read the whole list. */
  loadTimeoutMs?: number;
}

/**
 * The erasure list (`customer-erasures`, compacted, key: customer id), as one process knows it.
 * It is read whole before the process's roles consume anything, so no role ever applies a record
 * of an erased customer, and followed afterwards. Each role registers a handler that removes what
 * it holds of erased customers: it runs once with the whole list at start (catching up with
 * erasures made while the process was down, and repairing one interrupted by a crash) and again
 * for each new entry. A failing handler is retried until it passes: the customer is already in
 * the list meanwhile, so nothing of theirs is applied.
 */
export class ErasureList implements HealthCheck {
  readonly name = 'erasure-list';
  private readonly erased = new Set<string>();
  private readonly handlers: Array<{ role: string; handle: ErasureHandler }> = [];
  private tail: TopicTail | undefined;
  private loaded = false;
  private stopping = false;
  /** Cuts a handler's wait before its next attempt short on stop(). */
  private readonly stopped = new AbortController();
  /** An entry is waiting for the registry: erasures behind it are not known yet, so not ready. */
  private waiting = false;
  private readonly kafka: Kafka;
  private readonly codec: AvroCodec;
  private readonly settings: ErasureListSettings;
  private readonly logger: Logger;
  private readonly size: Gauge | undefined;

  constructor(kafka: Kafka, codec: AvroCodec, settings: ErasureListSettings, logger: Logger, metrics?: Registry) {
    this.kafka = kafka;
    this.codec = codec;
    this.settings = settings;
    this.logger = logger.child({ component: 'erasure-list' });
    this.size =
      metrics &&
      new Gauge({
        name: 'erasure_list_customers',
        help: 'Customers on the erasure list, as this process has read it',
        registers: [metrics],
      });
  }

  has(customerId: string): boolean {
    return this.erased.has(customerId);
  }

  /** Registers a role's handler; call before start(). */
  onErased(role: string, handle: ErasureHandler): void {
    this.handlers.push({ role, handle });
  }

  /** Reads the whole list, runs every handler with it, then follows the list. */
  async start(): Promise<void> {
    // The partitions that hold entries, and the end each must be read to.
    const ends = new Map<number, bigint>();
    for (const [partition, { low, high }] of await topicOffsets(this.kafka, this.settings.topic))
      if (high > low) ends.set(partition, BigInt(high));
    let caughtUp!: () => void;
    const loaded = new Promise<void>((resolve) => {
      caughtUp = resolve;
    });
    const reached = (m: ConsumedMessage) => {
      const end = ends.get(m.partition);
      if (end !== undefined && BigInt(m.offset) + 1n >= end) ends.delete(m.partition);
      if (ends.size === 0) caughtUp();
    };
    if (ends.size === 0) caughtUp();
    // From the beginning of the list: a compacted topic keeps every erased customer's latest entry.
    this.tail = await tailTopics(
      this.kafka,
      { topics: [this.settings.topic], backlogPerPartition: Number.MAX_SAFE_INTEGER, groupPrefix: this.settings.groupPrefix },
      async (m) => {
        const id = await this.read(m);
        if (id !== undefined && !this.erased.has(id)) {
          this.erased.add(id);
          this.size?.set(this.erased.size);
          if (this.loaded) {
            this.logger.info('customer_erasure_received', { offset: m.offset });
            await this.runHandlers([id]);
          }
        }
        if (!this.loaded) reached(m);
      },
      this.logger,
    );
    const timeoutMs = this.settings.loadTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        loaded,
        new Promise((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new ServiceUnavailableError(
                  'Kafka',
                  `topic ${this.settings.topic}`,
                  `the erasure list could not be read within ${timeoutMs} ms`,
                ),
              ),
            timeoutMs,
          );
        }),
      ]);
    } catch (err) {
      await this.tail.stop();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    // Loaded first: an entry that arrives while the whole list is handled gets its own run.
    this.loaded = true;
    this.logger.info('erasure_list_loaded', { customers: this.erased.size });
    await this.runHandlers([...this.erased]);
  }

  private async read(m: ConsumedMessage): Promise<string | undefined> {
    if (m.value === null) return undefined; // a tombstone: nothing on the list changes (erasure is not undone)
    const id = await readErasure(m, (value) => this.codec.decode<CustomerErasure>(value, avroSchemas.customerErasure), {
      isStopping: () => this.stopping,
      waiting: (attempt, err) => {
        this.waiting = true;
        if (attempt % 10 === 0)
          this.logger.warn('erasure_record_waiting', { topic: m.topic, partition: m.partition, offset: m.offset, attempt, err });
      },
      unreadable: (err) =>
        this.logger.error('erasure_record_unreadable', { topic: m.topic, partition: m.partition, offset: m.offset, err }),
    });
    this.waiting = false;
    return id;
  }

  private async runHandlers(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    for (const { role, handle } of this.handlers) {
      for (let attempt = 0; !this.stopping; attempt++) {
        try {
          await handle(ids);
          this.logger.info('customers_erased', { role, customers: ids.length });
          break;
        } catch (err) {
          this.logger.warn('customer_erasure_failed_retrying', { role, customers: ids.length, attempt, err });
          await sleep(backoffDelay(attempt, { initialMs: 500, maxMs: 10_000 }), this.stopped.signal);
        }
      }
    }
  }

  isHealthy(): boolean {
    return true;
  }

  isReady(): boolean {
    return this.loaded && !this.waiting && (this.tail?.isReady() ?? false);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    await this.tail?.stop();
  }
}

/** Puts customers on the erasure list (the erase command); the running roles do the rest. */
export async function requestErasure(
  deps: { producer: ReliableProducer; codec: AvroCodec },
  topic: string,
  customerIds: readonly string[],
  by: { requestedBy: string; reason: string; requestedAt: number },
): Promise<void> {
  const schemaId = await deps.codec.register(valueSubject(topic), avroSchemas.customerErasure);
  await deps.producer.send(
    topic,
    customerIds.map((customerId) => ({
      key: customerId,
      value: deps.codec.encode(schemaId, avroSchemas.customerErasure, { customerId, ...by } satisfies CustomerErasure),
    })),
  );
}

/** The customers on the erasure list now, for commands (the state rebuild). */
export async function readErasedCustomers(kafka: Kafka, codec: AvroCodec, topic: string): Promise<Set<string>> {
  const erased = new Set<string>();
  await readTopicToEnd(kafka, topic, async (m) => {
    if (m.value !== null) erased.add((await codec.decode<CustomerErasure>(m.value, avroSchemas.customerErasure)).customerId);
  });
  return erased;
}

/**
 * Tracks the batches a role has in flight, so that an erasure removes a customer's data only after
 * every batch that might still write it has finished (later batches already skip the customer).
 */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();

  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const done = () => {
      this.running.delete(work);
    };
    work.then(done, done);
    return work;
  }

  /** Resolves once every batch in flight now has finished (succeeded or failed). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}

export interface ErasureReading {
  isStopping: () => boolean;
  /** The registry (or its credentials) failed; the entry is read again after a backoff. */
  waiting: (attempt: number, err: unknown) => void;
  /** The entry is not in the erase command's format: reported, not guessed at. */
  unreadable: (err: UndecodableError) => void;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * One entry of the list, read until it decodes: an erasure must never be lost, so a registry that
 * is away (or refuses the credentials) holds the list, and the process reports not ready, until it
 * answers. Only bytes the erase command cannot have written are skipped, loudly.
 */
export async function readErasure(
  m: ConsumedMessage,
  decode: (value: Buffer) => Promise<CustomerErasure>,
  reading: ErasureReading,
): Promise<string | undefined> {
  const wait = reading.sleep ?? sleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return (await decode(m.value!)).customerId;
    } catch (err) {
      if (err instanceof UndecodableError) {
        reading.unreadable(err);
        return undefined;
      }
      if (reading.isStopping()) throw err;
      reading.waiting(attempt, err);
      await wait(backoffDelay(attempt, { initialMs: 200, maxMs: 5_000 }));
    }
  }
}
