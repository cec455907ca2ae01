// A record that deterministically breaks a role must not stall its partition for ever: through a
// real broker, a consumer whose handler fails on one record again and again (while a dependency's
// failure on another is only waited out) dead-letters that record with reason processing_failed,
// applies every other record in log order, and commits past it.
import { afterAll, describe, expect, it } from 'vitest';
import { BatchConsumer, createKafka, ensureTopics, ReliableProducer, sendToDeadLetter, describeFailure } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry, ServiceUnavailableError } from '@segmentation/runtime';
import { committedPositions, deleteTopicsWithPrefix, metricTotal } from './harness/kafka-state.ts';
import { testServices } from './harness/services.ts';
import { TopicReader } from './harness/topic-reader.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const logger = createLogger({ service: 'poison-test' }, 'silent');
const run = uniqueName('poison');
const kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'poison-test' }, logger);

afterAll(async () => {
  await deleteTopicsWithPrefix(kafka, run);
});

describe('a poison record', () => {
  it('is dead-lettered as processing_failed and skipped; the partition goes on', async () => {
    const topic = `${run}-events`;
    const dlq = `${topic}.dlq`;
    await ensureTopics(kafka, [
      { topic, partitions: 1 },
      { topic: dlq, partitions: 1 },
    ]);
    const producer = new ReliableProducer(kafka);
    await producer.connect();
    const values = ['a', 'b', 'c', 'flaky', 'd', 'poison', 'e', 'f'];
    await producer.send(
      topic,
      values.map((v) => ({ key: 'k', value: Buffer.from(v) })),
    );

    const applied: string[] = [];
    let flakyFailures = 0;
    const metrics = createMetricsRegistry();
    const consumer = new BatchConsumer(
      kafka,
      {
        groupId: `${run}-group`,
        topics: [topic],
        sessionTimeoutMs: 6000,
        stallTimeoutMs: 60_000,
        partitionsConcurrently: 1,
        metrics,
        poison: {
          attempts: 2,
          deadLetter: (message, err) =>
            sendToDeadLetter(producer, dlq, [
              { message, cause: { reason: 'processing_failed', stage: 'test', step: 'handle', message: describeFailure(err) } },
            ]),
        },
      },
      logger,
    );
    const dead = await TopicReader.open(services.kafkaBrokers, dlq);
    try {
      await consumer.connect((batch) => {
        const seen = batch.messages.map((m) => m.value!.toString());
        if (seen.includes('poison')) throw new TypeError("Cannot read properties of undefined (reading 'amount')");
        // A dependency away for longer than the poison attempts: waited out, never blamed on the record.
        if (seen.includes('flaky') && flakyFailures++ < 4)
          throw new ServiceUnavailableError('Redis', 'redis://127.0.0.1:6379', new Error('ECONNREFUSED'));
        applied.push(...seen);
        return Promise.resolve();
      });
      const [letter] = await dead.waitForMessages(1);
      expect(letter!.value!.toString()).toBe('poison');
      expect(String(letter!.headers['__connect.errors.exception.class.name'])).toBe('processing_failed');
      expect(String(letter!.headers['__connect.errors.exception.message'])).toContain('TypeError');
      await waitFor(
        'every offset committed',
        async () => (await committedPositions(kafka, `${run}-group`, topic)).get(0)?.offset === values.length,
      );
      expect(applied).toEqual(['a', 'b', 'c', 'flaky', 'd', 'e', 'f']);
      expect(flakyFailures).toBe(5);
      expect(await metricTotal(metrics, 'consumer_poison_records_total')).toBe(1);
    } finally {
      await consumer.disconnect();
      await dead.close();
      await producer.disconnect();
    }
  }, 120_000);
});
