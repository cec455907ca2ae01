// A JSON source topic, as a transport-management system writes it in its own columns, read by
// ingest through a sources file against real Kafka, the registry and Redis: renamed columns are
// mapped as the history import maps them, a status row without the transport mode takes it from
// the waybill's earlier row, an unknown label and a malformed message are dead-lettered with their
// reasons, a redelivery of the whole topic is recognised by the segmenter (each event applied
// once), and an erasure clears what ingest kept of the customer's waybills.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startPipeline, type Pipeline } from '@segmentation/app';
import { avroSchemas, bodyOf, topicNames, type CustomerEvent } from '@segmentation/contracts';
import { AvroCodec, createKafka, ensureTopics, ReliableProducer, rewindGroup, type Kafka } from '@segmentation/kafka';
import { requestErasure } from '@segmentation/erasure';
import { createLogger, createMetricsRegistry, type Registry } from '@segmentation/runtime';
import { connectRedis, type RedisClient } from '@segmentation/state';
import { deleteTopicsWithPrefix, metricTotal } from './harness/kafka-state.ts';
import { deleteRunKeys, runEnv } from './harness/segmenter-run.ts';
import { testServices } from './harness/services.ts';
import { TopicReader } from './harness/topic-reader.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const run = uniqueName('json-source');
const topics = topicNames(`${run}.`);
const waybills = `${run}.tms-waybills`;
const logger = createLogger({ service: 'json-source-test' }, 'error');
const customerId = 'C-TMS-1';
const carryKey = `${run}:ingest:carry:{${customerId}}:shipments:W-1`;

let kafka: Kafka;
let producer: ReliableProducer;
let codec: AvroCodec;
let redis: RedisClient;
let sourcesFile: string;

beforeAll(async () => {
  kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'json-source-test' }, logger);
  await ensureTopics(kafka, [{ topic: waybills, partitions: 1 }]);
  producer = new ReliableProducer(kafka);
  await producer.connect();
  codec = new AvroCodec(services.schemaRegistryUrl);
  redis = await connectRedis(services.redisUrl);
  sourcesFile = join(mkdtempSync(join(tmpdir(), 'json-source-')), 'sources.json');
  writeFileSync(
    sourcesFile,
    JSON.stringify({
      sources: [
        {
          format: 'json',
          kind: 'shipment',
          topic: waybills,
          mapping: {
            columns: { customerId: '客户编号', shipmentId: '运单', status: '节点状态', transportMode: '方式', eventTime: '发生时间' },
            values: { status: { 已签收: 'DELIVERED' }, transportMode: { 海: 'SEA' } },
          },
        },
      ],
    }),
  );
});

afterAll(async () => {
  await producer?.disconnect();
  redis?.disconnect();
  if (kafka) await deleteTopicsWithPrefix(kafka, run);
  await deleteRunKeys(services.redisUrl, run);
});

const start = (metrics: Registry) =>
  startPipeline(
    loadConfig({ ...runEnv(services, run), ROLES: 'ingest,segmenter', SOURCES_FILE: sourcesFile, LOG_LEVEL: 'silent' }),
    logger,
    metrics,
  );
const eventsOf = (reader: TopicReader) =>
  Promise.all(reader.messages.map((m) => codec.decode<CustomerEvent>(m.value, avroSchemas.customerEvent))).then((events) =>
    events.filter((e) => e.customerId === customerId),
  );
const json = (row: Record<string, string>) => Buffer.from(JSON.stringify(row));
const sourceOffset = (m: { headers: Record<string, unknown> }) => Number(String(m.headers['__connect.errors.offset']));
const reasonOf = (m: { headers: Record<string, unknown> }) => String(m.headers['__connect.errors.exception.class.name']);

describe('a JSON source topic', () => {
  it('is mapped like an export, carries a status row forward, dead-letters what it cannot map, and is applied once across a redelivery', async () => {
    await producer.send(waybills, [
      { key: 'W-1', value: json({ 客户编号: customerId, 运单: 'W-1', 节点状态: 'in transit', 方式: '海', 发生时间: '2025-12-01 09:00' }) },
      // A status row without the mode: the waybill's earlier row gives it.
      { key: 'W-1', value: json({ 客户编号: customerId, 运单: 'W-1', 节点状态: 'delayed', 发生时间: '2025-12-02 09:00' }) },
      { key: 'W-2', value: json({ 客户编号: customerId, 运单: 'W-2', 节点状态: 'teleported', 方式: '海', 发生时间: '2025-12-02 10:00' }) },
      { key: 'W-3', value: Buffer.from('{"客户编号": "C-TMS-1", "运单": ') },
    ]);
    const first = createMetricsRegistry(false);
    let pipeline: Pipeline = await start(first);
    // Opened once the pipeline made its topics; each reads from the beginning.
    const forwarded = await TopicReader.open(services.kafkaBrokers, topics.customerEvents);
    const dead = await TopicReader.open(services.kafkaBrokers, topics.shipmentsDeadLetter);
    try {
      // In the order of the source: the dead-letter topic spreads them over its partitions by key.
      const letters = (await dead.waitForMessages(2)).sort((a, b) => sourceOffset(a) - sourceOffset(b));
      expect(letters.map(reasonOf)).toEqual(['invalid_value', 'undecodable']);
      expect(String(letters[0]!.headers['__connect.errors.exception.message'])).toMatch(/status: "teleported" is not one of PICKED_UP/);
      await forwarded.waitForMessages(2);
      const events = await eventsOf(forwarded);
      expect(events.map((e) => bodyOf(e))).toMatchObject([
        { shipment: { shipmentId: 'W-1', status: 'IN_TRANSIT', transportMode: 'SEA' } },
        { shipment: { shipmentId: 'W-1', status: 'DELAYED', transportMode: 'SEA' } },
      ]);
      expect(events.map((e) => e.source)).toEqual([
        { topic: waybills, partition: 0, offset: 0 },
        { topic: waybills, partition: 0, offset: 1 },
      ]);
      expect(events[0]!.eventTime).toBe(Date.UTC(2025, 11, 1, 1, 0)); // 09:00 in Asia/Shanghai
      await waitFor('both events applied', async () => (await metricTotal(first, 'segmenter_records_total', { result: 'applied' })) === 2);
      await waitFor('the waybill remembered', async () => (await redis.get(carryKey)) !== null);

      // Redelivery: the ingest group rewound, everything is read and forwarded again.
      await pipeline.stop();
      await rewindGroup(kafka, `${run}-ingest`, waybills);
      const second = createMetricsRegistry(false);
      pipeline = await start(second);
      await dead.waitForMessages(4);
      await forwarded.waitForMessages(4);
      const again = await eventsOf(forwarded);
      expect(again.slice(2)).toEqual(again.slice(0, 2));
      await waitFor(
        'the re-forwards recognised',
        async () => (await metricTotal(second, 'segmenter_records_total', { result: 'already_applied' })) === 2,
      );
      expect(await metricTotal(second, 'segmenter_records_total', { result: 'applied' })).toBe(0);

      // Erasure reaches what ingest keeps of the customer's waybills.
      await requestErasure({ producer, codec }, topics.customerErasures, [customerId], {
        requestedBy: 'json-source-test',
        reason: 'test',
        requestedAt: Date.now(),
      });
      await waitFor('the waybill forgotten', async () => (await redis.exists(carryKey, `${run}:ingest:carry:{${customerId}}`)) === 0);
    } finally {
      await pipeline.stop();
      await forwarded.close();
      await dead.close();
    }
  }, 180_000);
});
