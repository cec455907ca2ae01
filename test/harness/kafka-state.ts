import { AssignerProtocol } from 'kafkajs';
import { fetchTopicEnds, type Kafka } from '@segmentation/kafka';
import type { Registry } from '@segmentation/runtime';

/** The sum of a counter's values over the series whose labels include `labels`. */
export async function metricTotal(metrics: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await metrics.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as Array<{ value: number; labels: Record<string, string | number> }>;
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

/** How many offsets a consumer group has committed on a topic, over all its partitions. */
export async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** What a consumer group committed on each partition of a topic: the offset and its metadata. */
export async function committedPositions(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, { offset: number; metadata: string | null }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((offsets?.partitions ?? []).map((p) => [p.partition, { offset: Number(p.offset), metadata: p.metadata }]));
  } finally {
    await admin.disconnect();
  }
}

/** Deletes the topics a test created (all start with its unique prefix), so repeated runs do not pile up partitions. */
export async function deleteTopicsWithPrefix(kafka: Kafka, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
  } finally {
    await admin.disconnect();
  }
}

/** Per partition of a topic: the offset a consumer group committed (0 when none yet) and the end of the log. */
export async function groupProgress(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, { committed: number; end: number }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await fetchTopicEnds(admin, topic);
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = new Map((offsets?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]));
    return new Map(ends.map((e) => [e.partition, { committed: committed.get(e.partition) ?? 0, end: Number(e.high) }]));
  } finally {
    await admin.disconnect();
  }
}

/** A consumer group's state (Stable, PreparingRebalance, ...) and which partitions of `topic` each member holds. */
export async function groupMembers(kafka: Kafka, groupId: string, topic: string): Promise<{ state: string; members: Map<string, number[]> }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups: [group] } = await admin.describeGroups([groupId]);
    const members = new Map((group?.members ?? []).map((m) => {
      const assigned = m.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] : undefined;
      return [m.memberId, [...(assigned ?? [])].sort((a, b) => a - b)];
    }));
    return { state: group?.state ?? 'Dead', members };
  } finally {
    await admin.disconnect();
  }
}
