// Silence is a signal (DESIGN.md invariants 4, 7, 10), through real Kafka and Redis: a customer who
// stops ordering becomes at risk and then churned with no event of their own, only the partition's
// clock moving (ticks); an order after that makes them won back; and replaying the whole log
// from its beginning (a consumer group that lost its offsets) emits no new ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Config, type Pipeline } from '@segmentation/app';
import {
  anOrderEvent,
  aTick,
  avroSchemas,
  topicNames,
  valueSubject,
  type ChurnAlert,
  type CustomerEvent,
  type SegmentChange,
} from '@segmentation/contracts';
import { AvroCodec, createKafka, ReliableProducer } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry, type Registry } from '@segmentation/runtime';
import { deleteTopicsWithPrefix, metricTotal } from './harness/kafka-state.ts';
import { deleteRunKeys, segmenterOnlyConfig } from './harness/segmenter-run.ts';
import { testServices } from './harness/services.ts';
import { TopicReader } from './harness/topic-reader.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const run = uniqueName('life');
const logger = createLogger({ service: 'lifecycle-test' }, 'warn');
const topics = topicNames(`${run}.`);
const DAY = 86_400_000;
const T0 = Date.UTC(2030, 0, 7, 2, 0, 0);

let config: Config;
let codec: AvroCodec;
let producer: ReliableProducer;
let pipeline: Pipeline | undefined;
let metrics: Registry;
let changes: TopicReader;
let alerts: TopicReader;

const kafka = () => createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'lifecycle-test' }, logger);

async function startSegmenter(groupPrefix: string): Promise<void> {
  metrics = createMetricsRegistry(false);
  pipeline = await startPipeline({ ...config, GROUP_PREFIX: groupPrefix }, logger, metrics);
}

async function append(events: CustomerEvent[], partition?: number): Promise<void> {
  const id = await codec.register(valueSubject(topics.customerEvents), avroSchemas.customerEvent);
  await producer.send(
    topics.customerEvents,
    events.map((e) => ({ key: e.customerId || null, value: codec.encode(id, avroSchemas.customerEvent, e), partition })),
  );
}

const decoded = async <T>(reader: TopicReader, schema: string, customerId: string): Promise<T[]> =>
  Promise.all(reader.messages.filter((m) => m.key?.toString() === customerId).map((m) => codec.decode<T>(m.value, schema)));
const lifecycleOf = async (customerId: string) =>
  (await decoded<SegmentChange>(changes, avroSchemas.segmentChange, customerId)).filter((c) => c.dimension === 'lifecycle');

beforeAll(async () => {
  config = segmenterOnlyConfig(services, run);
  codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
  await startSegmenter(run);
  producer = new ReliableProducer(kafka());
  await producer.connect();
  changes = await TopicReader.open(config.KAFKA_BROKERS, topics.segmentChanges);
  alerts = await TopicReader.open(config.KAFKA_BROKERS, topics.churnAlerts);
});

afterAll(async () => {
  await changes?.close();
  await alerts?.close();
  await pipeline?.stop();
  await producer?.disconnect();
  await deleteRunKeys(config.REDIS_URL, run);
  await deleteTopicsWithPrefix(kafka(), run);
});

describe('a customer who goes silent', () => {
  const customerId = uniqueName('C');
  const lastOrder = T0 + 19 * 7 * DAY;

  it('becomes at risk and then churned with no event of their own, as the partition clock moves', async () => {
    await append(
      Array.from({ length: 20 }, (_, i) => ({
        ...anOrderEvent({ customerId, eventId: `${customerId}-w${i}`, eventTime: T0 + i * 7 * DAY, amountBase: 800 }),
        source: null,
      })),
    );
    const log = await TopicReader.open(config.KAFKA_BROKERS, topics.customerEvents);
    const [first] = await log.waitForMessages(1, (m) => m.key?.toString() === customerId);
    await log.close();
    // Time passes in the customer's partition only through ticks: a week at a time for 40 weeks.
    await append(
      Array.from({ length: 40 }, (_, i) => aTick(first!.partition, lastOrder + (i + 1) * 7 * DAY)),
      first!.partition,
    );

    const moves = await waitFor(
      'at risk, then churned',
      async () => {
        const l = await lifecycleOf(customerId);
        return l.some((c) => c.toSegment === 'churned') ? l : undefined;
      },
      60_000,
    );
    const silent = moves.filter((c) => c.eventTime > lastOrder);
    expect(silent.map((c) => [c.fromSegment, c.toSegment, c.cause])).toEqual([
      ['active', 'at_risk', 'timer'],
      ['at_risk', 'churned', 'timer'],
    ]);
    expect(silent.map((c) => c.sequence)).toEqual([silent[0]!.sequence, silent[0]!.sequence + 1]);
    const raised = await waitFor('a churn alert', async () =>
      (await decoded<ChurnAlert>(alerts, avroSchemas.churnAlert, customerId)).find((a) => a.level !== 'cleared'),
    );
    expect(raised).toMatchObject({
      cause: 'timer',
      reasons: expect.arrayContaining([expect.objectContaining({ code: 'inactivity' })]) as unknown,
    });
    expect(raised.action).not.toBe('');
  });

  it('is won back by an order after churning', async () => {
    await append([
      { ...anOrderEvent({ customerId, eventId: `${customerId}-back`, eventTime: lastOrder + 281 * DAY, amountBase: 800 }), source: null },
    ]);
    const back = await waitFor('won back', async () => (await lifecycleOf(customerId)).find((c) => c.toSegment === 'won_back'));
    expect(back).toMatchObject({ fromSegment: 'churned', cause: 'event', causeEventId: `${customerId}-back` });
  });

  it('emits no new ids when the whole log is replayed from its beginning', async () => {
    const idsBefore = new Set(changes.messages.map((m) => `${m.key?.toString() ?? ''}@${m.offset}`));
    const changeCount = changes.messages.length;
    await pipeline!.stop();
    // A new consumer group over the same Redis state: every record comes again.
    const replayGroup = `${run}-replay`;
    await startSegmenter(replayGroup);
    await waitFor(
      'the whole log replayed',
      async () => (await metricTotal(metrics, 'segmenter_records_total', { result: 'already_applied' })) === 21,
      60_000,
    );
    expect(await metricTotal(metrics, 'segmenter_records_total', { result: 'applied' })).toBe(0);
    expect(await metricTotal(metrics, 'segmenter_timers_fired_total')).toBe(0);
    expect(changes.messages.length).toBe(changeCount);
    expect(idsBefore.size).toBe(changeCount);
  });
});
