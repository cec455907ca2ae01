// The simulator's two ways into Kafka, over the project's own producer and codec (application
// code does not import kafkajs): straight into `customer-events`, or to the source topics.
import { avroSchemas, valueSubject, type TopicNames } from '@segmentation/contracts';
import type { AvroCodec, OutgoingMessage, ReliableProducer } from '@segmentation/kafka';
import type { SourcePublisher } from './live-mode.ts';
import { recordKinds, type RecordKind } from './records.ts';

const schemaOf: Record<RecordKind, string> = {
  order: avroSchemas.order,
  shipment: avroSchemas.shipment,
  complaint: avroSchemas.complaint,
  profile: avroSchemas.customerProfile,
};

/** Publishes source records, Avro-encoded with their registered schemas, keyed by customer id. */
export async function createSourcePublisher(producer: ReliableProducer, codec: AvroCodec, topics: TopicNames): Promise<SourcePublisher> {
  const topicOf: Record<RecordKind, string> = {
    order: topics.orders,
    shipment: topics.shipments,
    complaint: topics.complaints,
    profile: topics.customerProfiles,
  };
  const schemaIds = new Map<RecordKind, number>();
  for (const kind of recordKinds) schemaIds.set(kind, await codec.register(valueSubject(topicOf[kind]), schemaOf[kind]));
  return {
    async publish(records) {
      const byKind = new Map<RecordKind, OutgoingMessage[]>();
      for (const r of records) {
        const messages = byKind.get(r.kind) ?? [];
        messages.push({ key: r.value.customerId, value: codec.encode(schemaIds.get(r.kind) ?? 0, schemaOf[r.kind], r.value) });
        byKind.set(r.kind, messages);
      }
      // One topic after the other: concurrent sends on kafkajs's idempotent producer can fail with
      // out-of-order sequence numbers (kafkajs#598).
      for (const [kind, messages] of byKind) await producer.send(topicOf[kind], messages);
    },
  };
}
