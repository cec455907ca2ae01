import { segmenterGroupId } from '@segmentation/app';
import { topicNames } from '@segmentation/contracts';
import type { Kafka } from '@segmentation/kafka';
import { groupProgress } from './kafka-state.ts';

/** The consumer groups of a run (GROUP_PREFIX = TOPIC_PREFIX without its dot) and the topics each reads. */
function runGroups(run: string, roles: { ingest?: boolean }): Array<[group: string, topic: string]> {
  const t = topicNames(`${run}.`);
  return [
    ...(roles.ingest
      ? [t.orders, t.shipments, t.complaints, t.customerProfiles].map((topic): [string, string] => [`${run}-ingest`, topic])
      : []),
    [segmenterGroupId({ GROUP_PREFIX: run }), t.customerEvents],
    ...[t.customerEvents, t.segmentChanges, t.churnAlerts, t.featureSnapshots].map((topic): [string, string] => [`${run}-sink`, topic]),
  ];
}

/** True once the run's segmenter has committed its whole log and the sink every topic it reads (and ingest its sources, when asked). */
export async function pipelineDone(kafka: Kafka, run: string, roles: { ingest?: boolean } = {}): Promise<boolean> {
  for (const [group, topic] of runGroups(run, roles)) {
    const behind = [...(await groupProgress(kafka, group, topic)).values()].filter((p) => p.committed < p.end);
    if (behind.length > 0) return false;
  }
  return true;
}
