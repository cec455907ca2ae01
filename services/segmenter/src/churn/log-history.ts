// The company's own history for the churn fit: every record of `customer-events`, decoded, in
// event-time order (each partition is already in log order; merging the partitions by event time
// gives the one clock a single-partition replay needs). Control records and ticks carry no
// customer's behaviour and are left out; so are erased customers. The whole log is held in memory:
// about 1 GB per two million records.
import { avroSchemas, bodyOf, type CustomerEvent } from '@segmentation/contracts';
import { readErasedCustomers, readTopicToEnd, UndecodableError, type AvroCodec, type Kafka } from '@segmentation/kafka';

export interface LogHistory {
  events: CustomerEvent[];
  /** Records read, and those left out as undecodable (they are dead-lettered by the segmenter). */
  read: number;
  undecodable: number;
}

export async function readLogHistory(kafka: Kafka, codec: AvroCodec, topics: { customerEvents: string; customerErasures: string }): Promise<LogHistory> {
  const erased = await readErasedCustomers(kafka, codec, topics.customerErasures);
  const events: CustomerEvent[] = [];
  let undecodable = 0;
  const read = await readTopicToEnd(kafka, topics.customerEvents, async (m) => {
    try {
      const event = await codec.decode<CustomerEvent>(m.value, avroSchemas.customerEvent);
      const kind = bodyOf(event).kind;
      if (kind !== 'rules' && kind !== 'tick' && !erased.has(event.customerId)) events.push(event);
    } catch (err) {
      if (!(err instanceof UndecodableError)) throw err;
      undecodable++;
    }
  });
  // Stable: records of one time keep their partition's log order.
  events.sort((a, b) => a.eventTime - b.eventTime);
  return { events, read, undecodable };
}
