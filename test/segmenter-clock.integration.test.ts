// The segmenter's clock and its duplicate check, through real Kafka and Redis: the partition's
// event-time watermark travels with the committed offset and survives a restart (DESIGN.md
// invariant 7), and an event id seen again at a new offset is dead-lettered as a duplicate (invariant 5).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Config, type Pipeline } from '@segmentation/app';
import { anOrderEvent, avroSchemas, topicNames, valueSubject, type CustomerEvent } from '@segmentation/contracts';
import { AvroCodec, createKafka, ReliableProducer } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry, type Registry } from '@segmentation/runtime';
import { committedPositions, deleteTopicsWithPrefix, metricTotal } from './harness/kafka-state.ts';
import { deleteRunKeys, segmenterOnlyConfig } from './harness/segmenter-run.ts';
import { testServices } from './harness/services.ts';
import { TopicReader } from './harness/topic-reader.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const run = uniqueName('clock');
const logger = createLogger({ service: 'segmenter-clock-test' }, 'warn');
const topics = topicNames(`${run}.`);
const DAY_MS = 86_400_000;

let config: Config;
let codec: AvroCodec;
let producer: ReliableProducer;
let pipeline: Pipeline | undefined;
let metrics: Registry;

const kafka = () => createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'segmenter-clock-test' }, logger);

async function startSegmenter(): Promise<void> {
  metrics = createMetricsRegistry(false);
  pipeline = await startPipeline(config, logger, metrics);
}

async function append(...events: CustomerEvent[]): Promise<void> {
  const id = await codec.register(valueSubject(topics.customerEvents), avroSchemas.customerEvent);
  await producer.send(
    topics.customerEvents,
    events.map((e) => ({ key: e.customerId, value: codec.encode(id, avroSchemas.customerEvent, e) })),
  );
}

const applied = () => metricTotal(metrics, 'segmenter_records_total', { result: 'applied' });

beforeAll(async () => {
  config = segmenterOnlyConfig(services, run);
  codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
  await startSegmenter();
  producer = new ReliableProducer(kafka());
  await producer.connect();
});

afterAll(async () => {
  await pipeline?.stop();
  await producer?.disconnect();
  await deleteRunKeys(config.REDIS_URL, run);
  await deleteTopicsWithPrefix(kafka(), run);
});

describe('the partition clock', () => {
  it('is committed with the offset and restored from it when the segmenter starts again', async () => {
    const customerId = uniqueName('C');
    const latest = Date.UTC(2030, 0, 1, 4, 0, 0);
    await append({ ...anOrderEvent({ customerId, eventId: `${customerId}-1`, eventTime: latest }), source: null });
    const group = `${config.GROUP_PREFIX}-segmenter`;
    const [partition, committed] = await waitFor('the offset committed', async () =>
      [...(await committedPositions(kafka(), group, topics.customerEvents))].find(([, p]) => p.offset > 0),
    );
    expect(committed.metadata).toBe(`watermark=${latest}`);

    await pipeline!.stop();
    pipeline = undefined;
    await startSegmenter();
    // An older event after the restart: the clock must not go back to it.
    await append({ ...anOrderEvent({ customerId, eventId: `${customerId}-2`, eventTime: latest - 10 * DAY_MS }), source: null });
    await waitFor('the older event applied', async () => (await applied()) === 1);
    expect(await metricTotal(metrics, 'segmenter_partition_watermark_seconds', { partition: String(partition) })).toBe(latest / 1000);
    const after = (await committedPositions(kafka(), group, topics.customerEvents)).get(partition)!;
    expect(after).toEqual({ offset: committed.offset + 1, metadata: `watermark=${latest}` });
  });
});

describe('an event id seen again', () => {
  it('is dead-lettered with the reason duplicate and counted once', async () => {
    const customerId = uniqueName('C');
    const event = {
      ...anOrderEvent({ customerId, eventId: `${customerId}-order`, eventTime: Date.UTC(2030, 0, 2) }),
      source: { topic: topics.orders, partition: 0, offset: 0 },
    };
    const dlq = await TopicReader.open(config.KAFKA_BROKERS, topics.customerEventsDeadLetter);
    try {
      const appliedBefore = await applied();
      // A source producer's retry: the same event published again at the next source offset.
      await append(event, { ...event, source: { topic: topics.orders, partition: 0, offset: 1 } });
      const [dead] = await dlq.waitForMessages(1, (m) => m.key?.toString() === customerId);
      expect(dead!.headers['__connect.errors.exception.class.name']?.toString()).toBe('duplicate');
      expect(dead!.headers['__connect.errors.stage']?.toString()).toBe('segmenter');
      expect(await applied()).toBe(appliedBefore + 1);
    } finally {
      await dlq.close();
    }
  });
});
