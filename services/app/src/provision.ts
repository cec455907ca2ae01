import { avroSchemas, CUSTOMER_EVENTS_PARTITIONS, valueSubject, type TopicNames } from '@segmentation/contracts';
import { ensureTopics, type AvroCodec, type Kafka, type TopicSpec } from '@segmentation/kafka';

/** The pipeline's topics: partition counts and the retention each needs. */
export function topicSpecs(t: TopicNames): TopicSpec[] {
  const keyed = CUSTOMER_EVENTS_PARTITIONS;
  return [
    { topic: t.orders, partitions: keyed },
    // The product's source of truth: kept without time limit (state rebuilds replay it).
    { topic: t.customerEvents, partitions: keyed, config: { 'retention.ms': '-1', 'retention.bytes': '-1' } },
    { topic: t.segmentChanges, partitions: keyed },
    ...[t.ordersDeadLetter, t.customerEventsDeadLetter, t.segmentChangesDeadLetter].map((topic) => ({
      topic,
      partitions: 3,
      config: { 'retention.ms': String(30 * 24 * 3600 * 1000) }, // 30 days to inspect and re-drive
    })),
  ];
}

/** Creates missing topics and registers every value schema with BACKWARD compatibility. */
export async function provisionPipeline(kafka: Kafka, codec: AvroCodec, t: TopicNames): Promise<void> {
  await ensureTopics(kafka, topicSpecs(t));
  await codec.register(valueSubject(t.orders), avroSchemas.order);
  await codec.register(valueSubject(t.customerEvents), avroSchemas.customerEvent);
  await codec.register(valueSubject(t.segmentChanges), avroSchemas.segmentChange);
}
