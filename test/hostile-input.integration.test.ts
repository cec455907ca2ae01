// Hostile input at ingest, against real Kafka and the real registry: every kind of bad message
// lands in the dead-letter topic with its own reason, the good message right behind it is
// forwarded, nothing stalls the partition, and the counts reconcile with the committed offsets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startPipeline, type Pipeline } from '@segmentation/app';
import { aShipment, anOrder, avroSchemas, topicNames, valueSubject, type CustomerEvent, type Order } from '@segmentation/contracts';
import { AvroCodec, createKafka, ReliableProducer, type Kafka, type OutgoingMessage } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry, type Registry } from '@segmentation/runtime';
import { committedOffsets, deleteTopicsWithPrefix, metricTotal } from './harness/kafka-state.ts';
import { testServices } from './harness/services.ts';
import { TopicReader } from './harness/topic-reader.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const run = uniqueName('hostile');
const topics = topicNames(`${run}.`);
const logger = createLogger({ service: 'hostile-input-test' }, 'error');
const customerId = 'C-HOSTILE-1';

let pipeline: Pipeline;
let metrics: Registry;
let kafka: Kafka;
let producer: ReliableProducer;
let codec: AvroCodec;

beforeAll(async () => {
  metrics = createMetricsRegistry(false);
  pipeline = await startPipeline(
    loadConfig({
      ROLES: 'ingest',
      KAFKA_BROKERS: services.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
      TOPIC_PREFIX: `${run}.`,
      GROUP_PREFIX: run,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      TICK_INTERVAL_SECONDS: '0',
      MAX_MESSAGE_BYTES: String(256 * 1024),
      LOG_LEVEL: 'silent',
    }),
    logger,
    metrics,
  );
  kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'hostile-input-test' }, logger);
  producer = new ReliableProducer(kafka);
  await producer.connect();
  codec = new AvroCodec(services.schemaRegistryUrl);
});

afterAll(async () => {
  await pipeline?.stop();
  await producer?.disconnect();
  if (kafka) await deleteTopicsWithPrefix(kafka, run);
});

const metricValue = (name: string, labels: Record<string, string> = {}) => metricTotal(metrics, name, labels);

describe('ingest under hostile input', () => {
  it('dead-letters each bad message with its reason, forwards the good one after it, and reconciles the counts', async () => {
    const orderId = await codec.register(valueSubject(topics.orders), avroSchemas.order);
    const shipmentId = await codec.register(valueSubject(topics.shipments), avroSchemas.shipment);
    const encodeOrder = (o: Order) => codec.encode(orderId, avroSchemas.order, o);
    const withMagic = (magic: number, buffer: Buffer) => Buffer.concat([Buffer.from([magic]), buffer.subarray(1)]);
    const unknownId = Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]), encodeOrder(anOrder({ customerId })).subarray(5)]);

    const cases: Array<{ name: string; reason: string; message: OutgoingMessage }> = [
      { name: 'garbage bytes', reason: 'undecodable', message: { key: customerId, value: Buffer.from('{"this is": "not avro at all"}') } },
      {
        name: 'wrong magic byte',
        reason: 'undecodable',
        message: { key: customerId, value: withMagic(1, encodeOrder(anOrder({ customerId }))) },
      },
      {
        name: 'truncated body',
        reason: 'undecodable',
        message: { key: customerId, value: encodeOrder(anOrder({ customerId })).subarray(0, 12) },
      },
      { name: 'unknown schema id', reason: 'unknown_schema', message: { key: customerId, value: unknownId } },
      {
        name: 'valid Avro of the wrong schema',
        reason: 'schema_mismatch',
        message: { key: customerId, value: codec.encode(shipmentId, avroSchemas.shipment, aShipment({ customerId })) },
      },
      { name: 'missing key', reason: 'missing_key', message: { key: null, value: encodeOrder(anOrder({ customerId })) } },
      {
        name: 'negative amount',
        reason: 'invalid_value',
        message: { key: customerId, value: encodeOrder(anOrder({ customerId, amount: -5 })) },
      },
      {
        name: 'key differs from customer id',
        reason: 'invalid_value',
        message: { key: 'C-SOMEONE-ELSE', value: encodeOrder(anOrder({ customerId })) },
      },
      {
        name: 'unknown currency',
        reason: 'unknown_currency',
        message: { key: customerId, value: encodeOrder(anOrder({ customerId, currency: 'XYZ' })) },
      },
      {
        name: 'event time far in the future',
        reason: 'future_event_time',
        message: { key: customerId, value: encodeOrder(anOrder({ customerId, eventTime: Date.now() + 86_400_000 })) },
      },
      {
        name: 'oversized message',
        reason: 'oversized',
        message: { key: customerId, value: encodeOrder(anOrder({ customerId, channel: 'x'.repeat(300 * 1024) })) },
      },
    ];
    const goodIds: string[] = [];
    const messages: OutgoingMessage[] = [];
    for (const c of cases) {
      const good = anOrder({ customerId, eventId: `good-after-${c.name}` });
      goodIds.push(good.eventId);
      // One partition, in this order: a bad message must not hold up the good one behind it.
      messages.push({ ...c.message, partition: 0, headers: { 'test-case': c.name } });
      messages.push({ key: customerId, value: encodeOrder(good), partition: 0 });
    }
    const dead = await TopicReader.open(services.kafkaBrokers, topics.ordersDeadLetter);
    const log = await TopicReader.open(services.kafkaBrokers, topics.customerEvents);
    try {
      for (const m of messages) await producer.send(topics.orders, [m]);

      const letters = await dead.waitForMessages(cases.length);
      const reasonByCase = Object.fromEntries(
        letters.map((l): [string, string | undefined] => [
          l.headers['test-case']?.toString() ?? '',
          l.headers['__connect.errors.exception.class.name']?.toString(),
        ]),
      );
      expect(reasonByCase).toEqual(Object.fromEntries(cases.map((c) => [c.name, c.reason])));
      for (const [i, c] of cases.entries()) {
        const letter = letters.find((l) => l.headers['test-case']?.toString() === c.name)!;
        expect(letter.value, `${c.name}: original value kept`).toEqual(c.message.value);
        expect(letter.key?.toString() ?? null, `${c.name}: original key kept`).toBe(c.message.key);
        expect(letter.headers['__connect.errors.topic']?.toString()).toBe(topics.orders);
        expect(letter.headers['__connect.errors.offset']?.toString()).toBe(String(2 * i));
        expect(letter.headers['__connect.errors.exception.message']?.toString().length).toBeGreaterThan(0);
      }

      const forwarded = await log.waitForMessages(goodIds.length);
      const events: CustomerEvent[] = await Promise.all(
        forwarded.map((m) => codec.decode<CustomerEvent>(m.value, avroSchemas.customerEvent)),
      );
      expect(events.map((e) => e.eventId)).toEqual(goodIds);
      expect(events.map((e) => e.source?.offset)).toEqual(goodIds.map((_, i) => 2 * i + 1));

      // consumed = applied + dead-lettered, and consumed = the offsets the group committed.
      const consumed = await metricValue('ingest_messages_consumed_total', { topic: topics.orders });
      expect(consumed).toBe(messages.length);
      expect(await metricValue('ingest_messages_applied_total', { topic: topics.orders })).toBe(goodIds.length);
      expect(await metricValue('ingest_messages_dead_lettered_total', { topic: topics.orders })).toBe(cases.length);
      const committed = await waitFor('the ingest group to commit every offset', async () => {
        const total = await committedOffsets(kafka, `${run}-ingest`, topics.orders);
        return total === messages.length ? total : undefined;
      });
      expect(committed).toBe(consumed);
    } finally {
      await dead.close();
      await log.close();
    }
  });
});
