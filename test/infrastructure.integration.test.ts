// De-risking the two services everything else stands on, on a broker and registry of this
// test's own (so it can restart them): the Schema Registry keeps schemas across a restart and
// enforces compatibility; kafkajs against Kafka 4 resumes without loss after a consumer restart
// and a broker restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AvroCodec, BatchConsumer, createKafka, ensureTopics, ReliableProducer, type Kafka } from '@segmentation/kafka';
import { createLogger } from '@segmentation/runtime';
import { PrivateStack } from './harness/private-stack.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const logger = createLogger({ service: 'infrastructure-test' }, 'silent');
const stack = new PrivateStack(19392, 18381);

beforeAll(async () => {
  await stack.up('kafka', 'registry');
}, 240_000);

afterAll(async () => {
  await stack.destroy();
});

const shipmentV1 = JSON.stringify({
  type: 'record',
  name: 'Parcel',
  namespace: 'test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'weightKg', type: 'double' },
  ],
});
// Adds a field with a default: readers of v2 can read v1 data (BACKWARD compatible).
const shipmentV2 = JSON.stringify({
  type: 'record',
  name: 'Parcel',
  namespace: 'test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'weightKg', type: 'double' },
    { name: 'port', type: 'string', default: 'CNSHA' },
  ],
});
// Adds a field without a default: v2 readers could not read v1 data.
const shipmentIncompatible = JSON.stringify({
  type: 'record',
  name: 'Parcel',
  namespace: 'test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'weightKg', type: 'double' },
    { name: 'port', type: 'string' },
  ],
});

describe('Schema Registry (Apicurio, Confluent-compatible API)', () => {
  it('enforces BACKWARD compatibility, serves ids and latest versions, and keeps schemas across a restart', async () => {
    const subject = `${uniqueName('parcels')}-value`;
    const codec = new AvroCodec(stack.registryUrl);
    const v1 = await codec.register(subject, shipmentV1, 'BACKWARD');
    expect(await codec.register(subject, shipmentV1, 'BACKWARD')).toBe(v1); // registering again is a no-op

    await expect(codec.register(subject, shipmentIncompatible, 'BACKWARD')).rejects.toThrow();
    const v2 = await codec.register(subject, shipmentV2, 'BACKWARD');
    expect(v2).not.toBe(v1);

    const byId = (await (await fetch(`${stack.registryUrl}/schemas/ids/${v1}`)).json()) as { schema: string };
    expect(JSON.parse(byId.schema)).toEqual(JSON.parse(shipmentV1));
    const latest = (await (await fetch(`${stack.registryUrl}/subjects/${subject}/versions/latest`)).json()) as {
      id: number;
      version: number;
    };
    expect(latest).toMatchObject({ id: v2, version: 2 });
    const config = (await (await fetch(`${stack.registryUrl}/config/${subject}`)).json()) as { compatibilityLevel: string };
    expect(config.compatibilityLevel).toBe('BACKWARD');

    const oldRecord = codec.encode(v1, shipmentV1, { id: 'P-1', weightKg: 12.5 });
    await stack.down('registry');
    await stack.up('registry');

    const afterRestart = new AvroCodec(stack.registryUrl); // nothing cached: the id must come from storage
    expect(await afterRestart.decode(oldRecord, shipmentV2)).toEqual({ id: 'P-1', weightKg: 12.5, port: 'CNSHA' });
  });
});

describe('kafkajs against the Kafka 4 broker', () => {
  let kafka: Kafka;
  beforeAll(() => {
    kafka = createKafka({ brokers: stack.brokers, clientId: 'infrastructure-test' }, logger);
  });

  const values = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m-${from + i}`);

  it('resumes without loss or redelivery of committed messages after a consumer restart and a broker restart', async () => {
    const topic = uniqueName('orders');
    const groupId = uniqueName('group');
    await ensureTopics(kafka, [{ topic, partitions: 3 }]);
    const producer = new ReliableProducer(kafka);
    await producer.connect();
    const send = (list: string[]) =>
      producer.send(
        topic,
        list.map((v, i) => ({ key: `customer-${i % 7}`, value: Buffer.from(v) })),
      );

    const received: string[] = [];
    const consume = async () => {
      const consumer = new BatchConsumer(
        kafka,
        { groupId, topics: [topic], sessionTimeoutMs: 6000, stallTimeoutMs: 60_000, partitionsConcurrently: 3 },
        logger,
      );
      await consumer.connect((batch) => {
        received.push(...batch.messages.map((m) => m.value?.toString() ?? ''));
        return Promise.resolve();
      });
      return consumer;
    };

    await send(values(0, 100));
    let consumer = await consume();
    await waitFor('the first 100 messages', () => received.length >= 100);
    await consumer.disconnect();

    await send(values(100, 200));
    consumer = await consume();
    await waitFor('messages 100-199 after the consumer restart', () => received.length >= 200);
    expect(new Set(received).size).toBe(200); // committed messages were not delivered again

    await stack.down('kafka');
    await stack.up('kafka');
    await send(values(200, 300)); // the same producer, reconnecting by itself
    await waitFor('messages 200-299 after the broker restart', () => new Set(received).size >= 300, 90_000);
    await consumer.disconnect();
    await producer.disconnect();

    expect(new Set(received)).toEqual(new Set(values(0, 300)));
  });
});
