// Sink throughput, Kafka → ClickHouse (embedded), against insert throughput alone, in one run:
//   pnpm bench:sink [rows=200000]
// Preloads `rows` segment changes into a topic of its own, lets the sink role drain it into a fresh
// embedded ClickHouse folder, then inserts the same rows straight into the table. Prints both
// rates and their ratio, as a table and as JSON. Kafka and the registry: `./dev stack up`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clickHouseErrorCode, connectClickHouse, insertRows, migrate, rowsForSegmentChange } from '@segmentation/clickhouse';
import { avroSchemas, sharedSettings, topicNames, valueSubject, type SegmentChange } from '@segmentation/contracts';
import { AvroCodec, createKafka, deleteTopics, provisionPipeline, ReliableProducer, topicsWithPrefix } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry, parseConfig, runCommand } from '@segmentation/runtime';
import { z } from 'zod';
import { classifyInsertFailure } from '../insert-failures.ts';
import { sinkRoutes } from '../routes.ts';
import { createSink } from '../sink.ts';

await runCommand('bench:sink', async () => {
  const rows = Number(process.argv[2] ?? 200_000);
  if (!Number.isInteger(rows) || rows < 1000) throw new Error('rows must be an integer >= 1000');
  const env = parseConfig(
    z.object({ KAFKA_BROKERS: sharedSettings.KAFKA_BROKERS, SCHEMA_REGISTRY_URL: sharedSettings.SCHEMA_REGISTRY_URL }),
    process.env,
  );
  const logger = createLogger({ service: 'bench-sink' }, 'warn');
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: 'bench-sink' }, logger);
  const codec = new AvroCodec(env.SCHEMA_REGISTRY_URL);
  const prefix = `bench-sink-${Date.now()}.`;
  const topics = topicNames(prefix);
  const folder = mkdtempSync(join(tmpdir(), 'bench-sink-'));
  const producer = new ReliableProducer(kafka);
  try {
    await provisionPipeline(kafka, codec, topics);
    await producer.connect();
    const schemaId = await codec.register(valueSubject(topics.segmentChanges), avroSchemas.segmentChange);
    const changes: SegmentChange[] = Array.from({ length: rows }, (_, i) => ({
      changeId: `C-${i % 50_000}/value_tier/${Math.floor(i / 50_000) + 1}`,
      customerId: `C-${i % 50_000}`,
      dimension: 'value_tier',
      fromSegment: i < 50_000 ? null : 'low',
      toSegment: i < 50_000 ? 'low' : 'medium',
      sequence: Math.floor(i / 50_000) + 1,
      cause: 'event',
      causeEventId: `e-${i}`,
      ruleVersion: 'bench',
      rule: 'value_tier.low',
      features: { lifetimeValue: i },
      eventTime: Date.UTC(2026, 0, 1) + i * 1000,
      detectedAt: Date.UTC(2026, 0, 1) + i * 1000 + 5,
      strategy: '',
      reasons: [],
      flags: [],
    }));
    for (let i = 0; i < changes.length; i += 5000) {
      await producer.send(
        topics.segmentChanges,
        changes.slice(i, i + 5000).map((c) => ({ key: c.customerId, value: codec.encode(schemaId, avroSchemas.segmentChange, c) })),
      );
    }

    const clickhouse = await connectClickHouse({ kind: 'embedded', path: join(folder, 'ch') });
    await migrate(clickhouse);
    const metrics = createMetricsRegistry(false);
    const sink = createSink(
      {
        groupId: `${prefix}sink`,
        routes: sinkRoutes(topics),
        buffer: { maxRows: 50_000, maxDelayMs: 1000, retryInitialMs: 200, retryMaxMs: 5000 },
        sessionTimeoutMs: 10_000,
      },
      {
        kafka,
        producer,
        codec,
        clickhouse,
        logger,
        metrics,
        insert: (table, r) => insertRows(clickhouse, table, r),
        classify: classifyInsertFailure,
        errorCode: clickHouseErrorCode,
      },
    );
    const started = performance.now();
    await sink.start();
    for (;;) {
      const written = (await metrics.getSingleMetric('sink_rows_written_total')?.get())?.values.reduce((s, v) => s + v.value, 0) ?? 0;
      if (written >= rows) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const sinkSeconds = (performance.now() - started) / 1000;
    await sink.stop();

    const tableRows = changes.flatMap((c) => rowsForSegmentChange(c));
    const insertStarted = performance.now();
    for (let i = 0; i < tableRows.length; i += 50_000) {
      const chunk = tableRows.slice(i, i + 50_000);
      await insertRows(
        clickhouse,
        chunk[0]!.table,
        chunk.map((r) => r.row),
      );
    }
    const insertSeconds = (performance.now() - insertStarted) / 1000;
    await clickhouse.close();

    const result = {
      rows,
      sinkRowsPerSecond: Math.round(rows / sinkSeconds),
      insertRowsPerSecond: Math.round(tableRows.length / insertSeconds),
      sinkToInsertRatio: Number((rows / sinkSeconds / (tableRows.length / insertSeconds)).toFixed(3)),
    };
    console.log(`rows                      ${result.rows}`);
    console.log(`sink, Kafka → ClickHouse  ${result.sinkRowsPerSecond} rows/s (decode, map, validate, insert, commit)`);
    console.log(`insert alone              ${result.insertRowsPerSecond} rows/s`);
    console.log(`sink / insert             ${result.sinkToInsertRatio}`);
    console.log(JSON.stringify(result));
  } finally {
    await producer.disconnect();
    await deleteTopics(kafka, await topicsWithPrefix(kafka, prefix)).catch(() => undefined);
    rmSync(folder, { recursive: true, force: true });
  }
});
