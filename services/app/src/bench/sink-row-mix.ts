// How bench:sink fills its topics: with the pipeline's own row mix (the simulator's history through
// the segmenter role), or with synthetic segment changes. In the app, the composition root: the mix
// needs the simulator and the whole pipeline.
import { avroSchemas, valueSubject, type SegmentChange, type TopicNames } from '@segmentation/contracts';
import {
  committedPositions,
  CustomerEventLogWriter,
  topicOffsets,
  type AvroCodec,
  type Kafka,
  type ReliableProducer,
} from '@segmentation/kafka';
import { createMetricsRegistry, type Logger } from '@segmentation/runtime';
import { connectConfiguredRedis, segmenterGroupId, type Config } from '../config.ts';
import { startPipeline } from '../pipeline.ts';
import { simulateHistory } from '@segmentation/simulator';
import { deleteKeysWithPrefix } from '@segmentation/state';
import { until } from './bench-wait.ts';

export interface MixOptions {
  customers: number;
  days: number;
  seed: number;
}

/**
 * The row mix of bench:e2e's preload: the simulator writes `customers` × `days` of history into
 * customer-events, then the segmenter role (started by the app's own start-up, in this process)
 * applies all of it, so segment changes, churn alerts, feature snapshots and the rules version
 * land on their topics as in production. Returns the number of events simulated. The segmenter's
 * Redis keys are deleted once it has stopped.
 */
export async function preloadRowMix(
  deps: { kafka: Kafka; producer: ReliableProducer; codec: AvroCodec; logger: Logger },
  config: Config,
  topics: TopicNames,
  options: MixOptions,
): Promise<number> {
  const writer = await CustomerEventLogWriter.open(deps.producer, deps.codec, topics.customerEvents);
  let events = 0;
  // History that ends today, as bench:e2e's does: the same span of event times.
  const start = new Date(Date.now() - (options.days + 1) * 86_400_000).toISOString().slice(0, 10);
  await simulateHistory({ seed: options.seed, customers: options.customers, days: options.days, start }, async (chunk) => {
    for (let i = 0; i < chunk.length; i += 5000) await writer.write(chunk.slice(i, i + 5000));
    events += chunk.length;
  });

  const pipeline = await startPipeline({ ...config, ROLES: ['segmenter'] }, deps.logger, createMetricsRegistry(false));
  try {
    // The end includes the rules control records the segmenter wrote while it started. Its group has
    // consumed everything once it committed every partition's end: offsets follow effects, so by
    // then every output it decided is acknowledged on its topic.
    const end = sum([...(await topicOffsets(deps.kafka, topics.customerEvents)).values()].map((p) => p.high));
    await until(async () => {
      const committed = await committedPositions(deps.kafka, segmenterGroupId(config), topics.customerEvents);
      return sum([...committed.values()].map((p) => p.offset)) >= end;
    });
  } finally {
    await pipeline.stop();
    const redis = await connectConfiguredRedis(config);
    await deleteKeysWithPrefix(redis, config.REDIS_KEY_PREFIX);
    redis.disconnect();
  }
  return events;
}

/**
 * `rows` segment changes of 50,000 customers in the value dimension, straight into the segment
 * changes topic: one table, no Redis, no simulator. Kept to compare with earlier figures and to
 * look at the segment_changes path alone.
 */
export async function preloadSyntheticChanges(
  deps: { producer: ReliableProducer; codec: AvroCodec },
  topics: TopicNames,
  rows: number,
): Promise<void> {
  const schemaId = await deps.codec.register(valueSubject(topics.segmentChanges), avroSchemas.segmentChange);
  const change = (i: number): SegmentChange => ({
    changeId: `C-${i % 50_000}/value_tier/${Math.floor(i / 50_000) + 1}`,
    customerId: `C-${i % 50_000}`,
    dimension: 'value_tier',
    fromSegment: i < 50_000 ? null : 'low',
    toSegment: i < 50_000 ? 'low' : 'medium',
    sequence: Math.floor(i / 50_000) + 1,
    cause: 'event',
    causeEventId: `e-${i}`,
    ruleVersion: 'bench',
    rule: 'value_tier.low',
    features: { lifetimeValue: i },
    eventTime: Date.UTC(2026, 0, 1) + i * 1000,
    detectedAt: Date.UTC(2026, 0, 1) + i * 1000 + 5,
    strategy: '',
    reasons: [],
    flags: [],
  });
  for (let i = 0; i < rows; i += 5000) {
    const chunk = Array.from({ length: Math.min(5000, rows - i) }, (_, j) => change(i + j));
    await deps.producer.send(
      topics.segmentChanges,
      chunk.map((c) => ({ key: c.customerId, value: deps.codec.encode(schemaId, avroSchemas.segmentChange, c) })),
    );
  }
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
