import { Counter, Gauge, type Registry } from 'prom-client';
import { eraseCustomers, type ClickHouseClient } from '@segmentation/clickhouse';
import {
  BatchConsumer,
  sendToDeadLetter,
  UndecodableError,
  withRetry,
  type AvroCodec,
  type BatchDone,
  type ConsumedBatch,
  type ConsumedMessage,
  type DeadLetterCause,
  type Kafka,
  type ReliableProducer,
} from '@segmentation/kafka';
import { InFlight, type ErasureList } from '@segmentation/erasure';
import type { HealthCheck, Logger } from '@segmentation/runtime';
import { RowBuffer, type BufferedRow, type RowBufferSettings } from './row-buffer.ts';
import type { SinkRoute } from './routes.ts';

export interface SinkSettings {
  groupId: string;
  routes: SinkRoute[];
  buffer: RowBufferSettings;
  sessionTimeoutMs: number;
}

export interface SinkDeps {
  kafka: Kafka;
  producer: ReliableProducer;
  codec: AvroCodec;
  clickhouse: ClickHouseClient;
  /** Writes rows into a table; tests wrap it to simulate an outage at the client boundary. */
  insert: (table: string, rows: Array<Record<string, unknown>>) => Promise<void>;
  classify: (err: unknown) => 'retry' | 'reject' | 'fail';
  errorCode: (err: unknown) => number | undefined;
  logger: Logger;
  metrics: Registry;
  /** The erasure list, read whole before start(): erased customers' records are not written, their rows deleted. */
  erasures?: ErasureList;
}

type Rejected = { message: ConsumedMessage; cause: DeadLetterCause };

/**
 * The sink role: writes the business events of `customer-events` and every output topic into
 * ClickHouse. Rows from many batches are inserted together (on size or time); a batch's offsets
 * are committed only once its rows are durable. Redelivered rows carry the same ids and collapse
 * in the tables' ReplacingMergeTree keys. While ClickHouse is away the sink reports not-ready and
 * holds its partitions (nothing is committed, nothing dropped) until inserts pass again.
 * Customers on the erasure list are not written, and their rows are deleted (customer-erasure.ts).
 */
export function createSink(settings: SinkSettings, deps: SinkDeps) {
  const logger = deps.logger.child({ role: 'sink' });
  const routes = new Map(settings.routes.map((r) => [r.topic, r]));
  const rowsWritten = new Counter({
    name: 'sink_rows_written_total',
    help: 'Rows made durable in ClickHouse',
    labelNames: ['table'],
    registers: [deps.metrics],
  });
  const deadLettered = new Counter({
    name: 'sink_messages_dead_lettered_total',
    help: 'Messages the sink could not turn into rows or ClickHouse refused',
    labelNames: ['topic', 'reason'],
    registers: [deps.metrics],
  });
  const degradedGauge = new Gauge({
    name: 'sink_clickhouse_degraded',
    help: '1 while inserts into ClickHouse fail and are being retried',
    registers: [deps.metrics],
  });
  const skippedErased = new Counter({
    name: 'sink_messages_erased_total',
    help: 'Messages about customers on the erasure list, not written',
    labelNames: ['topic'],
    registers: [deps.metrics],
  });
  let degraded = false;
  const inFlight = new InFlight();
  const erasures = deps.erasures;
  erasures?.onErased('sink', async (customerIds) => {
    await inFlight.settled(); // rows of theirs buffered before they were listed are durable by then
    const erased = await eraseCustomers(deps.clickhouse, customerIds);
    if (erased.length > 0) logger.info('customers_erased_from_clickhouse', { customers: erased.length });
  });

  const consumer = new BatchConsumer(
    deps.kafka,
    {
      groupId: settings.groupId,
      metrics: deps.metrics,
      topics: [...routes.keys()],
      sessionTimeoutMs: settings.sessionTimeoutMs,
      stallTimeoutMs: 60_000,
      // Every partition's batch joins the same insert: the more that wait together, the fewer and
      // larger the inserts ClickHouse sees.
      partitionsConcurrently: 12,
      maxBytesPerPartition: 4 * 1024 * 1024,
    },
    logger,
  );

  async function deadLetter(rejected: Rejected[]): Promise<void> {
    const byTopic = new Map<string, Rejected[]>();
    for (const r of rejected) byTopic.set(r.message.topic, [...(byTopic.get(r.message.topic) ?? []), r]);
    for (const [topic, items] of byTopic) {
      const route = routes.get(topic);
      if (!route) throw new Error(`no route for ${topic}`);
      await sendToDeadLetter(deps.producer, route.deadLetterTopic, items);
      for (const { cause } of items) deadLettered.inc({ topic, reason: cause.reason });
      logger.warn('messages_dead_lettered', { topic, count: items.length, reasons: [...new Set(items.map((i) => i.cause.reason))] });
    }
  }

  const buffer = new RowBuffer<ConsumedMessage>(settings.buffer, {
    insert: async (table, rows) => {
      await deps.insert(table, rows);
      rowsWritten.inc({ table }, rows.length);
      logger.info('rows_stored', { table, rows: rows.length });
    },
    classify: deps.classify,
    errorCode: deps.errorCode,
    reject: (refused) =>
      deadLetter(
        refused.map((r) => ({
          message: r.source,
          cause: {
            // ClickHouse's own verdict on bad data, or an error that only ever happens on this row (poison).
            reason: r.kind === 'bad_data' ? 'clickhouse_rejected' : 'processing_failed',
            message: `ClickHouse error ${r.code ?? 'unknown'} inserting into ${r.table}: ${r.message}`,
            step: 'insert',
            stage: 'sink',
            headers: { 'segmentation.errors.clickhouse.code': String(r.code ?? '') },
          },
        })),
      ),
    onDegraded: (isDegraded) => {
      degraded = isDegraded;
      degradedGauge.set(isDegraded ? 1 : 0);
      if (isDegraded) logger.warn('clickhouse_unavailable', { detail: 'holding partitions until inserts pass again' });
    },
    logger,
  });

  // The tracked promise ends when the batch's rows are durable: erasure waits for it.
  const handle = (batch: ConsumedBatch, ctx: { heartbeat(): Promise<void> }): Promise<BatchDone> => {
    const written = write(batch, ctx);
    void inFlight.track(written.then(({ durable }) => durable));
    return written;
  };

  /**
   * Decodes and maps the batch into the buffer and returns once there is room for the next one:
   * the consumer fetches on while the insert runs and commits the batch once `durable` resolves.
   */
  async function write(batch: ConsumedBatch, ctx: { heartbeat(): Promise<void> }): Promise<{ durable: Promise<void> }> {
    const route = routes.get(batch.topic);
    if (!route) throw new Error(`the sink is subscribed to ${batch.topic} but has no route for it`);
    const rows: Array<BufferedRow<ConsumedMessage>> = [];
    const rejected: Rejected[] = [];
    for (const message of batch.messages) {
      let record: unknown;
      try {
        record = await withRetry(() => deps.codec.decode(message.value, route.schema));
      } catch (err) {
        if (!(err instanceof UndecodableError)) throw err;
        rejected.push({ message, cause: { reason: err.reason, message: err.message, step: 'decode', stage: 'sink' } });
        continue;
      }
      const customerId = (record as { customerId?: string }).customerId;
      if (customerId && erasures?.has(customerId)) {
        skippedErased.inc({ topic: batch.topic });
        continue;
      }
      try {
        for (const r of route.toRows(record, message)) rows.push({ table: r.table, row: r.row, source: message });
      } catch (err) {
        rejected.push({ message, cause: { reason: 'invalid_value', message: (err as Error).message, step: 'map', stage: 'sink' } });
      }
    }
    if (rejected.length > 0) await deadLetter(rejected);
    const durable = buffer.add(rows);
    // The consumer drops a batch that went stale meanwhile without looking at `durable`.
    durable.catch(() => undefined);
    // Keep the group membership alive while waiting for ClickHouse (an outage can last minutes).
    const beat = setInterval(() => {
      ctx.heartbeat().catch(() => undefined);
    }, 1000);
    try {
      await buffer.room();
    } finally {
      clearInterval(beat);
    }
    return { durable };
  }

  const clickhouseCheck: HealthCheck = { name: 'clickhouse', isHealthy: () => true, isReady: () => !degraded };
  return {
    consumer,
    checks: [clickhouseCheck],
    async start(): Promise<void> {
      await consumer.connect(handle);
    },
    async stop(): Promise<void> {
      // Flush what waits so the batches in flight can finish and commit, then leave the group.
      const leaving = consumer.disconnect();
      await buffer.drain();
      await leaving;
      await buffer.drain();
    },
  };
}
