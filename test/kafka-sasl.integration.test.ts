// Kafka with SASL/SCRAM over TLS: a broker of this test's own, made by the project's
// infra/stack.sh with a SCRAM-SHA-256 user (KAFKA_SASL_USERNAME/PASSWORD) and a TLS listener
// (KAFKA_TLS=true: a certificate signed by a CA of its own). A client without the credentials, with
// the wrong password, without TLS or without trusting the CA is refused, and the pipeline
// configured with KAFKA_SASL_* and KAFKA_TLS* provisions its topics and forwards an order through
// ingest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startPipeline, type Config, type Pipeline } from '@segmentation/app';
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
const broker = new PrivateStack(19592, 18581, { ...credentials, KAFKA_TLS: 'true' }); // only its Kafka; the registry is the shared one
const services = { ...testServices(), kafkaBrokers: broker.brokers };
const logger = createLogger({ service: 'kafka-sasl-test' }, 'silent');
const metrics = createMetricsRegistry(false);
const run = uniqueName('sasl');
let config: Config; // once the broker made its CA: KAFKA_TLS_CA_FILE must be readable
let pipeline: Pipeline | undefined;

beforeAll(async () => {
  await broker.up('kafka');
  config = loadConfig({
    ...runEnv(services, run),
    ROLES: 'ingest',
    KAFKA_SASL_MECHANISM: 'scram-sha-256',
    ...credentials,
    KAFKA_TLS: 'true',
    KAFKA_TLS_CA_FILE: broker.kafkaCaFile,
  });
}, 300_000);

afterAll(async () => {
  await pipeline?.stop();
  await broker.destroy();
});

describe('Kafka with SASL/SCRAM over TLS', () => {
  it('refuses a client without the credentials, with the wrong password, without TLS, or not trusting the CA', async () => {
    const refused = (security: Parameters<typeof probeKafka>[2]) =>
      expect(probeKafka(broker.brokers, 5000, security)).rejects.toBeInstanceOf(ServiceUnavailableError);
    await refused(kafkaSecurity({ ...config, KAFKA_SASL_USERNAME: undefined, KAFKA_SASL_PASSWORD: undefined }));
    await refused(kafkaSecurity({ ...config, KAFKA_SASL_PASSWORD: 'wrong-password' }));
    await refused(kafkaSecurity({ ...config, KAFKA_TLS: false, KAFKA_TLS_CA_FILE: undefined }));
    await refused(kafkaSecurity({ ...config, KAFKA_TLS_CA_FILE: undefined })); // the system's CAs do not know the broker's
    await probeKafka(broker.brokers, 5000, kafkaSecurity(config));
  });

  it('runs the pipeline with KAFKA_SASL_* and KAFKA_TLS*: topics provisioned, an order forwarded by ingest', async () => {
    pipeline = await startPipeline(config, logger, metrics);
    const producer = new ReliableProducer(
      createKafka({ brokers: broker.brokers, clientId: 'kafka-sasl-test', security: kafkaSecurity(config) }, logger),
    );
    await producer.connect();
    try {
      const codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
      const topics = topicNames(config.TOPIC_PREFIX);
      const id = await codec.register(valueSubject(topics.orders), avroSchemas.order);
      const order = anOrder({ customerId: uniqueName('C') });
      await producer.send(topics.orders, [{ key: order.customerId, value: codec.encode(id, avroSchemas.order, order) }]);
      await waitFor(
        'the order forwarded into customer-events',
        async () => (await metricTotal(metrics, 'ingest_messages_applied_total')) >= 1 || undefined,
        60_000,
      );
    } finally {
      await producer.disconnect();
    }
  });
});
