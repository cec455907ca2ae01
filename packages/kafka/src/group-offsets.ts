// What the cluster says about a topic's partitions and a consumer group's progress on them, for
// the roles and commands that decide from it (the state rebuild, the calibration after an import,
// the ticker, the rules registry) and for the tests that wait on it. Each call opens and closes
// its own admin connection: they are occasional reads, not a hot path.
import kafkajs, { type Admin } from 'kafkajs';
import { fetchTopicEnds } from './read-topic.ts';
import { withRetry } from './retry.ts';
import { clientOf, type Kafka } from './kafka-client.ts';

async function withAdmin<T>(kafka: Kafka, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = clientOf(kafka).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

export interface PartitionOffsets {
  /** Offset of the first record still kept. */
  low: number;
  /** Offset the next record will get: the end. */
  high: number;
}

/** Every partition of the topic with the offsets it keeps, in partition order. */
export const topicOffsets = (kafka: Kafka, topic: string): Promise<Map<number, PartitionOffsets>> =>
  withAdmin(
    kafka,
    async (admin) =>
      new Map(
        (await fetchTopicEnds(admin, topic))
          .sort((a, b) => a.partition - b.partition)
          .map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]),
      ),
  );

export interface CommittedPosition {
  /** The next offset the group reads; 0 where it committed nothing. */
  offset: number;
  /** The commit's metadata (the segmenter's partition clock), null where none. */
  metadata: string | null;
}

/** The group's committed position on each partition it committed on. */
export const committedPositions = (kafka: Kafka, groupId: string, topic: string): Promise<Map<number, CommittedPosition>> =>
  withAdmin(kafka, async (admin) => {
    const [committed] = await withRetry(() => admin.fetchOffsets({ groupId, topics: [topic] }));
    return new Map(
      (committed?.partitions ?? []).map((p) => [p.partition, { offset: Math.max(0, Number(p.offset)), metadata: p.metadata ?? null }]),
    );
  });

/** How many members the group has now (0: no consumer of it runs). */
export const groupMemberCount = (kafka: Kafka, groupId: string): Promise<number> =>
  withAdmin(kafka, async (admin) => (await withRetry(() => admin.describeGroups([groupId]))).groups[0]?.members.length ?? 0);

/** Topics whose name starts with the prefix. */
export const topicsWithPrefix = (kafka: Kafka, prefix: string): Promise<string[]> =>
  withAdmin(kafka, async (admin) => (await admin.listTopics()).filter((t) => t.startsWith(prefix)));

export const deleteTopics = (kafka: Kafka, topics: string[]): Promise<void> =>
  withAdmin(kafka, async (admin) => {
    if (topics.length > 0) await admin.deleteTopics({ topics });
  });

export interface GroupAssignment {
  /** Stable, PreparingRebalance, CompletingRebalance, Empty, Dead. */
  state: string;
  /** Each member's partitions of the topic, sorted. */
  members: Map<string, number[]>;
}

/** The group's state and which partitions of `topic` each member holds. */
export const groupAssignment = (kafka: Kafka, groupId: string, topic: string): Promise<GroupAssignment> =>
  withAdmin(kafka, async (admin) => {
    const {
      groups: [group],
    } = await withRetry(() => admin.describeGroups([groupId]));
    const members = new Map(
      (group?.members ?? []).map((m) => {
        const assigned =
          m.memberAssignment.length > 0
            ? kafkajs.AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic]
            : undefined;
        return [m.memberId, [...(assigned ?? [])].sort((a, b) => a - b)];
      }),
    );
    return { state: group?.state ?? 'Dead', members };
  });

/** Moves the group back to the beginning of the topic (no member may be running): everything is read again. */
export const rewindGroup = (kafka: Kafka, groupId: string, topic: string): Promise<void> =>
  withAdmin(kafka, (admin) => admin.resetOffsets({ groupId, topic, earliest: true }));
