import type { Admin } from 'kafkajs';
import { Gauge, type Registry } from 'prom-client';
import { fetchTopicEnds } from './read-topic.ts';
import { clientOf, type Kafka } from './kafka-client.ts';

export const CONSUMER_LAG_METRIC = 'kafka_consumer_lag_messages';

interface LagSource {
  groupId: string;
  topics: string[];
  admin: Admin;
}

const sourcesByRegistry = new WeakMap<Registry, Set<LagSource>>();

/**
 * Reports a consumer group's lag per partition (records written but not yet committed by the
 * group) in `kafka_consumer_lag_messages{group,topic,partition}`, read from the broker at each
 * scrape: committed offsets against the partitions' ends. Measured at the broker rather than from
 * the batches the consumer sees, so a consumer that stopped fetching shows a growing lag instead of
 * its last value. Returns a function that stops reporting (call it on shutdown).
 */
export function trackConsumerLag(registry: Registry, kafka: Kafka, groupId: string, topics: string[]): () => Promise<void> {
  let sources = sourcesByRegistry.get(registry);
  if (sources === undefined) {
    const tracked = new Set<LagSource>();
    sources = tracked;
    sourcesByRegistry.set(registry, tracked);
    new Gauge({
      name: CONSUMER_LAG_METRIC,
      help: 'Records of each partition not yet committed by the consumer group (the partition end minus the committed offset), read from the broker at scrape time',
      labelNames: ['group', 'topic', 'partition'],
      registers: [registry],
      async collect() {
        this.reset();
        await Promise.all(
          [...tracked].map(async (source) => {
            for (const l of await lagOf(source).catch(() => []))
              this.set({ group: source.groupId, topic: l.topic, partition: String(l.partition) }, l.lag);
          }),
        );
      },
    });
  }
  const source: LagSource = { groupId, topics, admin: clientOf(kafka).admin() };
  sources.add(source);
  return async () => {
    sources.delete(source);
    await source.admin.disconnect();
  };
}

async function lagOf(source: LagSource): Promise<Array<{ topic: string; partition: number; lag: number }>> {
  await source.admin.connect(); // a no-op once connected
  const committed = await source.admin.fetchOffsets({ groupId: source.groupId, topics: source.topics });
  const lags = [];
  for (const { topic, partitions } of committed) {
    const ends = await fetchTopicEnds(source.admin, topic);
    const done = new Map(partitions.map((p) => [p.partition, BigInt(p.offset)]));
    for (const end of ends) {
      const offset = done.get(end.partition) ?? -1n;
      // No commit yet: the group will start at the partition's beginning (fromBeginning).
      const from = offset >= 0n ? offset : BigInt(end.low);
      lags.push({ topic, partition: end.partition, lag: Number(BigInt(end.high) - from) });
    }
  }
  return lags;
}
