// Kafka with SASL/SCRAM (issue 9): a broker of this test's own, made by the project's
// infra/stack.sh with a SCRAM-SHA-256 user (KAFKA_SASL_USERNAME/PASSWORD). A client without the
// credentials is refused, and the pipeline configured with KAFKA_SASL_* provisions its topics and
// forwards an order through ingest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startPipeline, type Pipeline } from '@segmentation/app';
import { anOrder, avroSchemas, topicNames, valueSubject } from '@segmentation/contracts';
import { AvroCodec, createKafka, kafkaSecurity, probeKafka, ReliableProducer } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry, ServiceUnavailableError } from '@segmentation/runtime';
import { metricTotal } from './harness/kafka-state.ts';
import { PrivateStack } from './harness/private-stack.ts';
import { runEnv } from './harness/segmenter-run.ts';
import { testServices } from './harness/services.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const credentials = { KAFKA_SASL_USERNAME: 'segmentation', KAFKA_SASL_PASSWORD: `pw-${uniqueName('scram')}` };
const broker = new PrivateStack(19592, 18581, credentials); // only its Kafka; the registry is the shared one
const services = { ...testServices(), kafkaBrokers: broker.brokers };
const logger = createLogger({ service: 'kafka-sasl-test' }, 'silent');
const metrics = createMetricsRegistry(false);
const run = uniqueName('sasl');
const config = loadConfig({ ...runEnv(services, run), ROLES: 'ingest', KAFKA_SASL_MECHANISM: 'scram-sha-256', ...credentials });
let pipeline: Pipeline | undefined;

beforeAll(async () => {
  await broker.up('kafka');
}, 300_000);

afterAll(async () => {
  await pipeline?.stop();
  await broker.destroy();
});

describe('Kafka with SASL/SCRAM', () => {
  it('refuses a client without the credentials, and the wrong password', async () => {
    await expect(probeKafka(broker.brokers, 5000)).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(probeKafka(broker.brokers, 5000, kafkaSecurity({ ...config, KAFKA_SASL_PASSWORD: 'wrong-password' }))).rejects.toBeInstanceOf(ServiceUnavailableError);
    await probeKafka(broker.brokers, 5000, kafkaSecurity(config));
  });

  it('runs the pipeline with KAFKA_SASL_*: topics provisioned, an order forwarded by ingest', async () => {
    pipeline = await startPipeline(config, logger, metrics);
    const producer = new ReliableProducer(createKafka({ brokers: broker.brokers, clientId: 'kafka-sasl-test', security: kafkaSecurity(config) }, logger));
    await producer.connect();
    try {
      const codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
      const topics = topicNames(config.TOPIC_PREFIX);
      const id = await codec.register(valueSubject(topics.orders), avroSchemas.order);
      const order = anOrder({ customerId: uniqueName('C') });
      await producer.send(topics.orders, [{ key: order.customerId, value: codec.encode(id, avroSchemas.order, order) }]);
      await waitFor('the order forwarded into customer-events', async () => (await metricTotal(metrics, 'ingest_messages_applied_total')) >= 1 || undefined, 60_000);
    } finally {
      await producer.disconnect();
    }
  });
});
