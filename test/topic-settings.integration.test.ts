// Topics as the design needs them: a pipeline pointed at an existing customer-events topic that
// would let Kafka delete history (a time limit) refuses to start, naming the topic and the setting.
import { afterAll, describe, expect, it } from 'vitest';
import { topicNames } from '@segmentation/contracts';
import { AvroCodec, createKafka, ensureTopics, provisionPipeline } from '@segmentation/kafka';
import { ConfigError, createLogger } from '@segmentation/runtime';
import { deleteTopicsWithPrefix } from './harness/kafka-state.ts';
import { testServices } from './harness/services.ts';
import { uniqueName } from './harness/unique.ts';

const services = testServices();
const logger = createLogger({ service: 'topic-settings-test' }, 'silent');
const kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'topic-settings-test' }, logger);
const prefix = `${uniqueName('topics')}-`;

afterAll(async () => {
  await deleteTopicsWithPrefix(kafka, prefix);
});

describe('existing topics', () => {
  it('refuses a customer-events topic with a time limit, naming the topic and the setting', async () => {
    const topics = topicNames(prefix);
    await ensureTopics(kafka, [{ topic: topics.customerEvents, partitions: 12, config: { 'retention.ms': '604800000' } }]);
    const codec = new AvroCodec(services.schemaRegistryUrl);
    const refused = await provisionPipeline(kafka, codec, topics).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toContain(
      `Kafka topic ${topics.customerEvents} has retention.ms=604800000; it needs retention.ms=-1`,
    );
    expect((refused as Error).message).not.toContain(topics.customerErasures); // the ones it created are as needed
  }, 60_000);
});
