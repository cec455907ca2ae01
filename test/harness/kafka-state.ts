import { committedPositions, deleteTopics, groupAssignment, topicOffsets, topicsWithPrefix, type Kafka } from '@segmentation/kafka';
import type { Registry } from '@segmentation/runtime';

/** The sum of a counter's values over the series whose labels include `labels`. */
export async function metricTotal(metrics: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await metrics.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as Array<{ value: number; labels: Record<string, string | number> }>;
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

/** How many offsets a consumer group has committed on a topic, over all its partitions. */
export async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  return [...(await committedPositions(kafka, groupId, topic)).values()].reduce((sum, p) => sum + p.offset, 0);
}

/** What a consumer group committed on each partition of a topic: the offset and its metadata. */
export { committedPositions };

/** Deletes the topics a test created (all start with its unique prefix), so repeated runs do not pile up partitions. */
export async function deleteTopicsWithPrefix(kafka: Kafka, prefix: string): Promise<void> {
  await deleteTopics(kafka, await topicsWithPrefix(kafka, prefix));
}

/** Per partition of a topic: the offset a consumer group committed (0 when none yet) and the end of the log. */
export async function groupProgress(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<Map<number, { committed: number; end: number }>> {
  const [ends, committed] = await Promise.all([topicOffsets(kafka, topic), committedPositions(kafka, groupId, topic)]);
  return new Map([...ends].map(([partition, { high }]) => [partition, { committed: committed.get(partition)?.offset ?? 0, end: high }]));
}

/** A consumer group's state (Stable, PreparingRebalance, ...) and which partitions of `topic` each member holds. */
export const groupMembers = groupAssignment;
