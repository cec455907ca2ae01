// Time passes in the log (DESIGN invariant 7): in live operation ingest writes a tick into every
// `customer-events` partition that has had no record for the tick interval, so timers keyed to a
// partition's event time still fire when its customers fall silent.
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, startPipeline, type Pipeline } from '@segmentation/app';
import { avroSchemas, bodyOf, CUSTOMER_EVENTS_PARTITIONS, topicNames, type CustomerEvent } from '@segmentation/contracts';
import { AvroCodec, createKafka } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry } from '@segmentation/runtime';
import { deleteTopicsWithPrefix } from './harness/kafka-state.ts';
import { testServices } from './harness/services.ts';
import { TopicReader } from './harness/topic-reader.ts';
import { uniqueName } from './harness/unique.ts';

const services = testServices();
const logger = createLogger({ service: 'ticks-test' }, 'silent');
const run = uniqueName('ticks');
let pipeline: Pipeline | undefined;

afterAll(async () => {
  await pipeline?.stop();
  await deleteTopicsWithPrefix(createKafka({ brokers: services.kafkaBrokers, clientId: 'ticks-test' }, logger), run);
});

describe('ticks', () => {
  it('writes a tick stamped with the wall clock into every idle customer-events partition', async () => {
    const before = Date.now();
    pipeline = await startPipeline(
      loadConfig({
        ROLES: 'ingest',
        KAFKA_BROKERS: services.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
        TOPIC_PREFIX: `${run}.`,
        GROUP_PREFIX: run,
        TICK_INTERVAL_SECONDS: '1',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        LOG_LEVEL: 'silent',
      }),
      logger,
      createMetricsRegistry(false),
    );
    const log = await TopicReader.open(services.kafkaBrokers, topicNames(`${run}.`).customerEvents);
    try {
      const messages = await log.waitForMessages(CUSTOMER_EVENTS_PARTITIONS);
      const codec = new AvroCodec(services.schemaRegistryUrl);
      const ticks = await Promise.all(
        messages.map(async (m) => ({
          partition: m.partition,
          key: m.key,
          event: await codec.decode<CustomerEvent>(m.value, avroSchemas.customerEvent),
        })),
      );
      expect(new Set(ticks.map((t) => t.partition)).size).toBe(CUSTOMER_EVENTS_PARTITIONS);
      for (const t of ticks) {
        expect(bodyOf(t.event)).toEqual({ kind: 'tick', partition: t.partition });
        expect(t.event.customerId).toBe('');
        expect(t.key).toBeNull();
        expect(t.event.eventTime).toBeGreaterThanOrEqual(before);
        expect(t.event.eventTime).toBeLessThanOrEqual(Date.now());
      }
    } finally {
      await log.close();
    }
  });
});
