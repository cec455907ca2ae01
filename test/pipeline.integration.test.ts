// One order through every hop of the pipeline, against real services: Avro order on `orders`
// (schema in the registry) → ingest → `customer-events` → segmenter (state in Redis) →
// `segment-changes` (Avro) → sink → ClickHouse. Plus the guarantees the spine already carries:
// bad input is dead-lettered with its reason while the next good message goes through, and a
// re-forwarded record changes nothing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { loadConfig, startPipeline, type Config, type Pipeline } from '@segmentation/app';
import { connectClickHouse, type ClickHouseClient } from '@segmentation/clickhouse';
import {
  anOrder,
  avroSchemas,
  topicNames,
  valueSubject,
  type CustomerEvent,
  type Order,
  type SegmentChange,
} from '@segmentation/contracts';
import { AvroCodec, createKafka, ReliableProducer, trackConsumerLag } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry, type Registry } from '@segmentation/runtime';
import { DIMENSIONS, lifetimeValueOf, type CustomerRecord } from '@segmentation/segmentation';
import { outboxPayload, outgoingOf, outputEncoder } from '@segmentation/segmenter';
import { customerRecordCodec } from '@segmentation/readers';
import { CustomerStateStore } from '@segmentation/state';
import { committedOffsets, deleteTopicsWithPrefix, metricTotal } from './harness/kafka-state.ts';
import { deleteRunKeys, runEnv } from './harness/segmenter-run.ts';
import { testServices } from './harness/services.ts';
import { TopicReader } from './harness/topic-reader.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const run = uniqueName('e2e');
const logger = createLogger({ service: 'pipeline-test' }, 'warn');

let config: Config;
let pipeline: Pipeline;
let metrics: Registry;
let codec: AvroCodec;
let producer: ReliableProducer;
let redis: Redis;
let clickhouse: ClickHouseClient;
const topics = topicNames(`${run}.`);

const baseEnv = () => ({
  ...runEnv(services, run),
  CLICKHOUSE_URL: services.clickhouseUrl,
  CLICKHOUSE_DATABASE: run.replace(/-/g, '_'),
  CLICKHOUSE_USER: process.env.CLICKHOUSE_USER,
  CLICKHOUSE_PASSWORD: process.env.CLICKHOUSE_PASSWORD,
  CLICKHOUSE_PATH: join(mkdtempSync(join(tmpdir(), 'segmentation-e2e-')), 'clickhouse'),
});

beforeAll(async () => {
  config = loadConfig(baseEnv());
  metrics = createMetricsRegistry(false);
  pipeline = await startPipeline(config, logger, metrics);
  codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
  producer = new ReliableProducer(createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'pipeline-test' }, logger));
  await producer.connect();
  redis = new Redis(config.REDIS_URL);
  // The same process may open the embedded folder the sink writes to.
  clickhouse = await connectClickHouse(
    config.CLICKHOUSE_URL
      ? {
          kind: 'server',
          url: config.CLICKHOUSE_URL,
          database: config.CLICKHOUSE_DATABASE,
          username: config.CLICKHOUSE_USER,
          password: config.CLICKHOUSE_PASSWORD,
        }
      : { kind: 'embedded', path: config.CLICKHOUSE_PATH },
  );
});

afterAll(async () => {
  await pipeline?.stop();
  await producer?.disconnect();
  // This run's keys only: every one starts with its unique prefix.
  if (redis) {
    redis.disconnect();
    await deleteRunKeys(config.REDIS_URL, run);
  }
  await clickhouse?.close();
  await deleteTopicsWithPrefix(createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'pipeline-test-cleanup' }, logger), run);
});

async function sendOrder(order: Order): Promise<void> {
  const id = await codec.register(valueSubject(topics.orders), avroSchemas.order);
  await producer.send(topics.orders, [{ key: order.customerId, value: codec.encode(id, avroSchemas.order, order) }]);
}

const stateStore = () => new CustomerStateStore(redis, config.REDIS_KEY_PREFIX, customerRecordCodec);

/** The customer's record as the segmenter stored it, with the order totals the value tier reads. */
async function customerState(
  customerId: string,
): Promise<{ orderCount: number; lifetimeValue: number; memberships: CustomerRecord['memberships'] } | undefined> {
  const record = (await stateStore().get(customerId))?.state;
  return record && { orderCount: record.features.lifetime.orders, lifetimeValue: lifetimeValueOf(record), memberships: record.memberships };
}

const outboxSize = async (customerId: string) => (await stateStore().load([customerId])).get(customerId)!.pending.size;

/** The segment changes of one customer a reader has seen so far, decoded. */
async function changesOf(reader: TopicReader, customerId: string): Promise<SegmentChange[]> {
  const mine = reader.messages.filter((m) => m.key?.toString() === customerId);
  return Promise.all(mine.map((m) => codec.decode<SegmentChange>(m.value, avroSchemas.segmentChange)));
}

const metricValue = (name: string, labels: Record<string, string> = {}) => metricTotal(metrics, name, labels);

describe('the pipeline, end to end', () => {
  it('carries an order from the orders topic to a segment change in Redis, Kafka and ClickHouse', async () => {
    const customerId = uniqueName('C');
    const changes = await TopicReader.open(config.KAFKA_BROKERS, topics.segmentChanges);
    try {
      await sendOrder(anOrder({ customerId, amount: 3000, currency: 'USD' })); // 21,300 CNY at USD=7.1

      const state = await waitFor('the customer state in Redis', async () =>
        (await customerState(customerId))?.orderCount === 1 ? customerState(customerId) : undefined,
      );
      expect(state).toMatchObject({
        orderCount: 1,
        lifetimeValue: 21_300,
        memberships: { value_tier: { segment: 'medium', sequence: 1 } },
      });

      const change = await waitFor('the value tier change', async () =>
        (await changesOf(changes, customerId)).find((c) => c.dimension === 'value_tier'),
      );
      expect(change).toMatchObject({
        changeId: `${customerId}/value_tier/1`,
        customerId,
        dimension: 'value_tier',
        fromSegment: null,
        toSegment: 'medium',
        sequence: 1,
        cause: 'event',
        rule: 'value_tier.medium.enter',
        features: expect.objectContaining({ order_value_365d: 21_300 }) as unknown,
        reasons: [{ condition: 'order_value_365d >= $medium_value', feature: 'order_value_365d', value: 21_300, threshold: 20_000 }],
      });
      expect(change.strategy).not.toBe('');

      const rows = await waitFor('the change in ClickHouse', async () => {
        const r = await (
          await clickhouse.query({
            query:
              "SELECT change_id, to_segment, rule_version FROM segment_changes FINAL WHERE customer_id = {c:String} AND dimension = 'value_tier'",
            query_params: { c: customerId },
            format: 'JSONEachRow',
          })
        ).json<{ change_id: string; to_segment: string; rule_version: string }>();
        return r.length > 0 ? r : undefined;
      });
      expect(rows).toEqual([{ change_id: change.changeId, to_segment: 'medium', rule_version: change.ruleVersion }]);

      // The business event itself reaches ClickHouse too, from customer-events, with its log position.
      const orders = await waitFor('the order in ClickHouse', async () => {
        const r = await (
          await clickhouse.query({
            query: 'SELECT toFloat64(amount_base) AS amount_base, currency, source_topic FROM orders FINAL WHERE customer_id = {c:String}',
            query_params: { c: customerId },
            format: 'JSONEachRow',
          })
        ).json<{ amount_base: number; currency: string; source_topic: string | null }>();
        return r.length > 0 ? r : undefined;
      });
      expect(orders).toEqual([{ amount_base: 21_300, currency: 'USD', source_topic: topics.orders }]);
    } finally {
      await changes.close();
    }
  });

  it('dead-letters a bad order with its reason and applies the good one right after it', async () => {
    const customerId = uniqueName('C');
    const dead = await TopicReader.open(config.KAFKA_BROKERS, topics.ordersDeadLetter);
    try {
      const bad = anOrder({ customerId, currency: 'XYZ' });
      await sendOrder(bad);
      await sendOrder(anOrder({ customerId, amount: 500 }));

      const [letter] = await dead.waitForMessages(1, (m) => m.key?.toString() === customerId);
      expect(letter!.headers['__connect.errors.exception.class.name']?.toString()).toBe('unknown_currency');
      expect(letter!.headers['__connect.errors.topic']?.toString()).toBe(topics.orders);
      expect(letter!.headers['__connect.errors.stage']?.toString()).toBe('ingest');
      expect(await codec.decode<Order>(letter!.value, avroSchemas.order)).toMatchObject({ eventId: bad.eventId, currency: 'XYZ' });

      await waitFor('the good order applied', async () => (await customerState(customerId))?.orderCount === 1);
      expect((await customerState(customerId))?.lifetimeValue).toBe(500);
      const consumed = await metricValue('ingest_messages_consumed_total');
      const appliedCount = await metricValue('ingest_messages_applied_total');
      const deadLettered = await metricValue('ingest_messages_dead_lettered_total');
      expect(consumed).toBe(appliedCount + deadLettered);
      expect(await metricValue('ingest_messages_dead_lettered_total', { reason: 'unknown_currency' })).toBe(1);
    } finally {
      await dead.close();
    }
  });

  it('recognises a re-forwarded record by its source position and applies it once', async () => {
    const customerId = uniqueName('C');
    const changes = await TopicReader.open(config.KAFKA_BROKERS, topics.segmentChanges);
    try {
      await sendOrder(anOrder({ customerId, amount: 800 }));
      await waitFor('the order applied', async () => (await customerState(customerId))?.orderCount === 1);
      // One change per dimension: every membership starts at sequence 1.
      const decided = Object.keys((await customerState(customerId))!.memberships).filter((d) =>
        DIMENSIONS.includes(d as (typeof DIMENSIONS)[number]),
      ).length;
      await changes.waitForMessages(decided, (m) => m.key?.toString() === customerId);

      // What ingest would write again after a crash between its forward and its commit.
      const logged = await findLoggedEvent(customerId);
      const skippedBefore = await metricValue('segmenter_records_total', { result: 'already_applied' });
      const id = await codec.register(valueSubject(topics.customerEvents), avroSchemas.customerEvent);
      await producer.send(topics.customerEvents, [{ key: customerId, value: codec.encode(id, avroSchemas.customerEvent, logged) }]);
      await waitFor(
        'the re-forward recognised',
        async () => (await metricValue('segmenter_records_total', { result: 'already_applied' })) > skippedBefore,
      );

      expect(await customerState(customerId)).toMatchObject({ orderCount: 1, lifetimeValue: 800 });
      expect(changes.messages.filter((m) => m.key?.toString() === customerId)).toHaveLength(decided);
      expect((await changesOf(changes, customerId)).map((c) => c.sequence)).toEqual(new Array<number>(decided).fill(1));
    } finally {
      await changes.close();
    }
  });

  it("reports each consumer group's lag per partition, read from the broker: none once caught up", async () => {
    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'pipeline-test-lag' }, logger);
    const lag = (group: string, topic: string) => metricValue('kafka_consumer_lag_messages', { group, topic });
    await waitFor(
      'the segmenter and the sink caught up',
      async () =>
        ((await lag(`${run}-segmenter`, topics.customerEvents)) === 0 && (await lag(`${run}-sink`, topics.customerEvents)) === 0) ||
        undefined,
    );
    const series = (await metrics.getMetricsAsJSON())
      .find((m) => m.name === 'kafka_consumer_lag_messages')!
      .values.filter((v) => v.labels.group === `${run}-segmenter`);
    expect(series.length).toBeGreaterThan(1); // one per partition of customer-events

    // A group that never consumed lags by everything the topic holds: what ingest committed on it.
    const stop = trackConsumerLag(metrics, kafka, `${run}-never`, [topics.orders]);
    try {
      const ingested = await committedOffsets(kafka, `${run}-ingest`, topics.orders);
      expect(ingested).toBeGreaterThan(0);
      expect(await lag(`${run}-never`, topics.orders)).toBe(ingested);
    } finally {
      await stop();
    }
  });
});

describe('a crash between the state write and the produce', () => {
  it('re-sends the decided change when the same input comes again, though the input itself is a no-op', async () => {
    const customerId = uniqueName('C');
    const changes = await TopicReader.open(config.KAFKA_BROKERS, topics.segmentChanges);
    try {
      await sendOrder(anOrder({ customerId, amount: 800 }));
      await waitFor('the value tier change', async () => (await changesOf(changes, customerId)).some((c) => c.dimension === 'value_tier'));
      await waitFor('the outbox emptied after the acknowledgement', async () => (await outboxSize(customerId)) === 0);

      // What a segmenter that died after its atomic commit but before the produce leaves behind:
      // the state with a decided change still in the customer's outbox.
      const store = stateStore();
      const stored = (await store.load([customerId])).get(customerId)!;
      const decided: SegmentChange = {
        changeId: `${customerId}/value_tier/2`,
        customerId,
        dimension: 'value_tier',
        fromSegment: 'low',
        toSegment: 'medium',
        sequence: 2,
        cause: 'event',
        causeEventId: 'e-crash',
        ruleVersion: 'r',
        rule: 'value_tier.medium.enter',
        features: { lifetimeValue: 800 },
        eventTime: Date.now(),
        detectedAt: Date.now(),
        strategy: '',
        reasons: [],
        flags: [],
      };
      const changeSchemaId = await codec.register(valueSubject(topics.segmentChanges), avroSchemas.segmentChange);
      const left = outgoingOf({ kind: 'change', value: decided }, outputEncoder(codec, { change: changeSchemaId, alert: 0, snapshot: 0 }));
      expect(
        await store.commit(
          [{ customerId, expectedVersion: stored.version, state: stored.state!, outputs: [[left.id, outboxPayload(left)]] }],
          `${stored.version}+crash`,
        ),
      ).toEqual([]);

      // The input comes again (its offset was never committed): already applied, yet its output goes out.
      const logged = await findLoggedEvent(customerId);
      const id = await codec.register(valueSubject(topics.customerEvents), avroSchemas.customerEvent);
      await producer.send(topics.customerEvents, [{ key: customerId, value: codec.encode(id, avroSchemas.customerEvent, logged) }]);
      const resent = await waitFor('the decided change re-sent', async () =>
        (await changesOf(changes, customerId)).find((c) => c.changeId === decided.changeId),
      );
      expect(resent).toMatchObject({ changeId: decided.changeId, toSegment: 'medium' });
      await waitFor('the outbox emptied again', async () => (await outboxSize(customerId)) === 0);
      expect(await customerState(customerId)).toMatchObject({ orderCount: 1, lifetimeValue: 800 });
    } finally {
      await changes.close();
    }
  });
});

describe('state derived from another log', () => {
  it('stops a segmenter from starting on Redis state recorded against another Kafka log', async () => {
    const keyPrefix = `${run}:other-log:`;
    await redis.set(`${keyPrefix}log-identity`, 'another-cluster/customer-events');
    const segmenterOnly = loadConfig({ ...baseEnv(), ROLES: 'segmenter', REDIS_KEY_PREFIX: keyPrefix, GROUP_PREFIX: uniqueName('g') });
    await expect(startPipeline(segmenterOnly, logger, createMetricsRegistry(false))).rejects.toThrow(
      /derived from the log "another-cluster\/customer-events"/,
    );
  });
});

async function findLoggedEvent(customerId: string): Promise<CustomerEvent> {
  const log = await TopicReader.open(config.KAFKA_BROKERS, topics.customerEvents);
  try {
    const [m] = await log.waitForMessages(1, (x) => x.key?.toString() === customerId);
    const event = await codec.decode<CustomerEvent>(m!.value, avroSchemas.customerEvent);
    expect(event.source).toMatchObject({ topic: topics.orders });
    return event;
  } finally {
    await log.close();
  }
}
