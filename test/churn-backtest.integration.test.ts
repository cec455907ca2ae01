// The churn backtest replays `customer-events` as the segmenter runs it (each partition on its own
// clock, the same fold), so for the rules in force it decides exactly the churn alerts the pipeline
// emitted through real Kafka and Redis: the same ids, levels, times and episodes. That is what lets
// a company trust the backtest's figures as the alerts its account managers would have received.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRules, startPipeline, type Config, type Pipeline } from '@segmentation/app';
import { avroSchemas, topicNames, type ChurnAlert } from '@segmentation/contracts';
import { AvroCodec, createKafka, CustomerEventLogWriter, readTopicToEnd, ReliableProducer } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry } from '@segmentation/runtime';
import { calendarFor } from '@segmentation/segmentation';
import { readLogPartitions, replayPartitions } from '@segmentation/segmenter';
import { simulateHistory } from '@segmentation/simulator';
import { deleteTopicsWithPrefix, groupProgress } from './harness/kafka-state.ts';
import { deleteRunKeys, segmenterOnlyConfig } from './harness/segmenter-run.ts';
import { testServices } from './harness/services.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const run = uniqueName('backtest');
const logger = createLogger({ service: 'churn-backtest-test' }, 'warn');
const topics = topicNames(`${run}.`);

let config: Config;
let pipeline: Pipeline | undefined;
const kafka = () => createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'churn-backtest-test' }, logger);

beforeAll(async () => {
  config = segmenterOnlyConfig(services, run);
  pipeline = await startPipeline(config, logger, createMetricsRegistry(false));
});

afterAll(async () => {
  await pipeline?.stop();
  await deleteRunKeys(config.REDIS_URL, run);
  await deleteTopicsWithPrefix(kafka(), run);
});

describe('the churn backtest', () => {
  it('decides exactly the churn alerts the pipeline emitted, episodes included', async () => {
    const codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
    const events = await simulateHistory({ seed: 31, customers: 80, days: 300, start: '2025-01-01' });
    const producer = new ReliableProducer(kafka());
    await producer.connect();
    try {
      const writer = await CustomerEventLogWriter.open(producer, codec, topics.customerEvents);
      for (let i = 0; i < events.length; i += 2000) await writer.write(events.slice(i, i + 2000));
    } finally {
      await producer.disconnect();
    }
    await waitFor('the segmenter applied the whole log', async () => {
      const progress = await groupProgress(kafka(), `${run}-segmenter`, topics.customerEvents);
      return [...progress.values()].every((p) => p.committed >= p.end) || undefined;
    }, 180_000);

    // Offsets follow effects: every alert of the applied log is on the topic.
    const emitted: ChurnAlert[] = [];
    await readTopicToEnd(kafka(), topics.churnAlerts, async (m) => { emitted.push(await codec.decode<ChurnAlert>(m.value, avroSchemas.churnAlert)); });
    const { partitions } = await readLogPartitions(kafka(), codec, topics);
    const replay = await replayPartitions(partitions, loadRules(config), calendarFor(config.BUSINESS_TIME_ZONE));
    const decided = replay.outputs.flatMap((o) => (o.kind === 'alert' ? [o.value] : []));

    const key = (a: Omit<ChurnAlert, 'detectedAt'>) => `${a.alertId} ${a.level} ${a.eventTime} ${a.riskScore} ${a.episodeId} ${a.episodeEvent} ${a.cause}`;
    expect(emitted.length).toBeGreaterThan(20);
    expect(new Set(emitted.map((a) => a.episodeEvent))).toContain('opened');
    expect(decided.map(key).sort()).toEqual(emitted.map(key).sort());
  });
});
