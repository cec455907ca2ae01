import type { ConfigResourceTypes } from 'kafkajs';
import { ConfigError } from '@segmentation/runtime';
import { withRetry } from './retry.ts';
import { clientOf, type Kafka } from './kafka-client.ts';

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Topic-level configs, e.g. { 'retention.ms': '-1' }. */
  config?: Record<string, string>;
  /** Why its partition count and configs are not a matter of taste: an existing topic that differs refuses the start. */
  needs?: string;
}

/** What an existing topic has: its partition count and the values of the configs its spec names. */
export interface TopicState {
  partitions: number;
  config: Record<string, string | undefined>;
}

/**
 * The settings in which an existing topic differs from what the design needs, each as a sentence
 * naming the topic, the setting, what it is, what it must be and how to fix it.
 */
export function topicMismatches(spec: TopicSpec, state: TopicState): string[] {
  if (spec.needs === undefined) return [];
  const out: string[] = [];
  if (state.partitions !== spec.partitions) {
    out.push(
      `Kafka topic ${spec.topic} has ${state.partitions} partitions; it needs ${spec.partitions} (${spec.needs}). A partition count cannot be changed without moving customers between partitions: recreate the topic (or start with another TOPIC_PREFIX) and import the history again`,
    );
  }
  for (const [name, wanted] of Object.entries(spec.config ?? {})) {
    const actual = state.config[name];
    if (actual === wanted) continue;
    out.push(
      `Kafka topic ${spec.topic} has ${name}=${actual ?? '(unset)'}; it needs ${name}=${wanted} (${spec.needs}). Fix: kafka-configs.sh --bootstrap-server <broker> --alter --entity-type topics --entity-name ${spec.topic} --add-config ${name}=${wanted}`,
    );
  }
  return out;
}

/** Creates the topics that do not exist yet; existing ones are left as they are. */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[]): Promise<void> {
  const admin = clientOf(kafka).admin();
  await admin.connect();
  try {
    // A broker under load can answer the creation's own metadata check with "does not host this
    // topic-partition" for a moment: listed again and retried, as a retriable error.
    await withRetry(async () => {
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((s) => !existing.has(s.topic));
      if (missing.length === 0) return;
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.partitions,
          replicationFactor: -1, // the broker's default: 1 on the single local node, 3 on a cluster
          configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
    });
  } finally {
    await admin.disconnect();
  }
}

// kafkajs's ConfigResourceTypes.TOPIC; the enum is not a named export Node's ESM loader finds in the CommonJS package.
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

/** The number of partitions of each topic, as the brokers report it (0 for a topic they do not know). */
export async function partitionCounts(kafka: Kafka, topics: string[]): Promise<Map<string, number>> {
  const admin = clientOf(kafka).admin();
  await admin.connect();
  try {
    const metadata = await withRetry(() => admin.fetchTopicMetadata({ topics }));
    const counts = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
    return new Map(topics.map((t) => [t, counts.get(t) ?? 0]));
  } finally {
    await admin.disconnect();
  }
}

/** Refuses to go on when an existing topic the design relies on has other partitions or configs than it needs. */
export async function verifyTopics(kafka: Kafka, specs: TopicSpec[]): Promise<void> {
  const checked = specs.filter((s) => s.needs !== undefined);
  if (checked.length === 0) return;
  const admin = clientOf(kafka).admin();
  await admin.connect();
  try {
    const metadata = await withRetry(() => admin.fetchTopicMetadata({ topics: checked.map((s) => s.topic) }));
    const partitions = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
    const described = await withRetry(() =>
      admin.describeConfigs({
        includeSynonyms: false,
        resources: checked.map((s) => ({ type: TOPIC_RESOURCE, name: s.topic, configNames: Object.keys(s.config ?? {}) })),
      }),
    );
    const configs = new Map(
      described.resources.map((r) => [r.resourceName, Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue]))]),
    );
    const problems = checked.flatMap((s) =>
      topicMismatches(s, { partitions: partitions.get(s.topic) ?? 0, config: configs.get(s.topic) ?? {} }),
    );
    if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  } finally {
    await admin.disconnect();
  }
}
