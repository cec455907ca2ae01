// Re-drive after a fix: orders dead-lettered for an unknown currency go back to `orders` once the
// rate table knows it, are forwarded this time, and a second re-drive sends nothing again.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig, startPipeline, type Pipeline } from '@segmentation/app';
import { anOrder, avroSchemas, topicNames, valueSubject, type CustomerEvent } from '@segmentation/contracts';
import { redrive } from '@segmentation/ingest';
import { AvroCodec, createKafka, ReliableProducer } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry } from '@segmentation/runtime';
import { deleteTopicsWithPrefix } from './harness/kafka-state.ts';
import { testServices } from './harness/services.ts';
import { TopicReader } from './harness/topic-reader.ts';
import { uniqueName } from './harness/unique.ts';

const services = testServices();
const logger = createLogger({ service: 'redrive-test' }, 'silent');
const run = uniqueName('redrive');
const topics = topicNames(`${run}.`);
const ingestWith = (currencyRates: string) =>
  startPipeline(
    loadConfig({
      ROLES: 'ingest',
      KAFKA_BROKERS: services.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
      TOPIC_PREFIX: `${run}.`,
      GROUP_PREFIX: run,
      CURRENCY_RATES: currencyRates,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      TICK_INTERVAL_SECONDS: '0',
      LOG_LEVEL: 'silent',
    }),
    logger,
    createMetricsRegistry(false),
  );

let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.stop();
});
afterAll(() => deleteTopicsWithPrefix(createKafka({ brokers: services.kafkaBrokers, clientId: 'redrive-test-cleanup' }, logger), run));

describe('re-drive of dead-lettered messages', () => {
  it('sends matching messages back once, after the fix, and skips them on later runs', async () => {
    const kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'redrive-test' }, logger);
    const producer = new ReliableProducer(kafka);
    await producer.connect();
    const codec = new AvroCodec(services.schemaRegistryUrl);
    pipeline = await ingestWith('USD=7.1'); // creates the topics
    const dead = await TopicReader.open(services.kafkaBrokers, topics.ordersDeadLetter);
    const log = await TopicReader.open(services.kafkaBrokers, topics.customerEvents);
    try {
      const id = await codec.register(valueSubject(topics.orders), avroSchemas.order);
      const inMyr = [
        anOrder({ customerId: 'C-MY-1', currency: 'MYR', amount: 100 }),
        anOrder({ customerId: 'C-MY-2', currency: 'MYR', amount: 200 }),
      ];
      const negative = anOrder({ customerId: 'C-MY-3', amount: -1 });
      for (const o of [...inMyr, negative])
        await producer.send(topics.orders, [{ key: o.customerId, value: codec.encode(id, avroSchemas.order, o) }]);
      await dead.waitForMessages(3);
      expect(log.messages).toHaveLength(0);

      // The fix: the rate table learns MYR. Then re-drive only what failed for that reason.
      await pipeline.stop();
      pipeline = await ingestWith('USD=7.1,MYR=1.6');
      const first = await redrive(kafka, producer, topics.ordersDeadLetter, { reasons: ['unknown_currency'] });
      expect(first).toMatchObject({ scanned: 3, matched: 2, alreadyRedriven: 0, redriven: 2, byTarget: { [topics.orders]: 2 } });

      const forwarded = await log.waitForMessages(2);
      const events = await Promise.all(forwarded.map((m) => codec.decode<CustomerEvent>(m.value, avroSchemas.customerEvent)));
      expect(events.map((e) => e.eventId).sort()).toEqual(inMyr.map((o) => o.eventId).sort());

      const second = await redrive(kafka, producer, topics.ordersDeadLetter, { reasons: [] });
      expect(second).toMatchObject({ scanned: 3, matched: 3, alreadyRedriven: 2, redriven: 1 }); // only the negative amount, which fails again
      await dead.waitForMessages(4);
      const third = await redrive(kafka, producer, topics.ordersDeadLetter, { reasons: ['unknown_currency'] });
      expect(third).toMatchObject({ scanned: 4, matched: 2, alreadyRedriven: 2, redriven: 0 });
    } finally {
      await dead.close();
      await log.close();
      await producer.disconnect();
    }
  });
});
