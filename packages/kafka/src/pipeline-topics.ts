import { avroSchemas, CUSTOMER_EVENTS_PARTITIONS, valueSubject, type TopicNames } from '@segmentation/contracts';
import type { AvroCodec } from './avro-codec.ts';
import { ensureTopics, verifyTopics, type TopicSpec } from './topics-admin.ts';
import type { Kafka } from './kafka-client.ts';

const DEAD_LETTER_RETENTION_MS = 30 * 24 * 3600 * 1000; // 30 days to inspect and re-drive

/** The pipeline's topics: partition counts and the retention each needs. */
export function topicSpecs(t: TopicNames): TopicSpec[] {
  const keyed = CUSTOMER_EVENTS_PARTITIONS;
  const deadLetter = (topic: string): TopicSpec => ({ topic, partitions: 3, config: { 'retention.ms': String(DEAD_LETTER_RETENTION_MS) } });
  return [
    { topic: t.orders, partitions: keyed },
    { topic: t.shipments, partitions: keyed },
    { topic: t.complaints, partitions: keyed },
    // The CRM's current view of each customer: only the latest profile per key matters.
    { topic: t.customerProfiles, partitions: keyed, config: { 'cleanup.policy': 'compact' } },
    // The product's source of truth: kept without time limit (state rebuilds replay it).
    {
      topic: t.customerEvents,
      partitions: keyed,
      config: { 'retention.ms': '-1', 'retention.bytes': '-1' },
      needs: "the source of truth, replayed by state rebuilds and the churn fit; each customer's records stay in one partition",
    },
    { topic: t.segmentChanges, partitions: keyed },
    { topic: t.churnAlerts, partitions: keyed },
    { topic: t.featureSnapshots, partitions: keyed },
    rulesVersionsTopic(t.rulesVersions),
    customerErasuresTopic(t.customerErasures),
    consoleAuditTopic(t.consoleAudit),
    alertWorkflowTopic(t.alertWorkflow),
    ...[
      t.ordersDeadLetter,
      t.shipmentsDeadLetter,
      t.complaintsDeadLetter,
      t.customerProfilesDeadLetter,
      t.customerEventsDeadLetter,
      t.segmentChangesDeadLetter,
      t.churnAlertsDeadLetter,
      t.featureSnapshotsDeadLetter,
      t.rulesVersionsDeadLetter,
      t.alertWorkflowDeadLetter,
    ].map(deadLetter),
  ];
}

/** Every rules version ever put in force: a handful a year, kept for good; one partition keeps their order. */
export const rulesVersionsTopic = (topic: string): TopicSpec => ({
  topic,
  partitions: 1,
  config: { 'retention.ms': '-1', 'retention.bytes': '-1' },
  needs: 'every rules version in force on some partition must stay readable, in order',
});

/** The erasure list: the latest record per customer is all that matters, kept for good (a rebuild
 *  must still skip them years later); one partition, read whole by every process. */
export const customerErasuresTopic = (topic: string): TopicSpec => ({
  topic,
  partitions: 1,
  config: { 'cleanup.policy': 'compact' },
  needs: 'the erasure list, read whole by every process: no erased customer may fall out of it',
});

/** The console's audit trail: every record is evidence (who opened which customer), so it is kept
 *  without time limit and never compacted; one partition keeps the trail in the order it happened
 *  (a handful of records per person and hour). Operators with a retention policy set `retention.ms`. */
export const consoleAuditTopic = (topic: string): TopicSpec => ({
  topic,
  partitions: 1,
  config: { 'retention.ms': '-1', 'retention.bytes': '-1' },
});

/** The work on churn alert episodes: people's decisions and their outcomes, the history BI measures
 *  actions by, so kept without time limit and never compacted: its key is the customer, and
 *  compaction would keep one record per customer. A handful of records per episode. */
export const alertWorkflowTopic = (topic: string): TopicSpec => ({
  topic,
  partitions: CUSTOMER_EVENTS_PARTITIONS,
  config: { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'retention.bytes': '-1' },
  needs:
    'the history of the work on churn alert episodes, which BI measures actions by: keyed by customer, so compaction or a time limit would lose it',
});

/** Every value schema, by the topic it is registered for (subject `<topic>-value`). */
export function topicSchemas(t: TopicNames): Array<[topic: string, schema: string]> {
  return [
    [t.orders, avroSchemas.order],
    [t.shipments, avroSchemas.shipment],
    [t.complaints, avroSchemas.complaint],
    [t.customerProfiles, avroSchemas.customerProfile],
    [t.customerEvents, avroSchemas.customerEvent],
    [t.segmentChanges, avroSchemas.segmentChange],
    [t.churnAlerts, avroSchemas.churnAlert],
    [t.featureSnapshots, avroSchemas.featureSnapshot],
    [t.rulesVersions, avroSchemas.rulesVersion],
    [t.customerErasures, avroSchemas.customerErasure],
    [t.consoleAudit, avroSchemas.consoleAudit],
    [t.alertWorkflow, avroSchemas.alertWorkflow],
  ];
}

/** Creates missing topics, refuses existing ones that differ from what the design needs, and registers every value schema with BACKWARD compatibility. */
export async function provisionPipeline(kafka: Kafka, codec: AvroCodec, t: TopicNames): Promise<void> {
  const specs = topicSpecs(t);
  await ensureTopics(kafka, specs);
  await verifyTopics(kafka, specs);
  for (const [topic, schema] of topicSchemas(t)) await codec.register(valueSubject(topic), schema);
}
