// The company's own history, read from `customer-events` for the churn fit and the backtest.
// Per partition, in log order, as the segmenter reads it (the backtest replays each partition on its
// own clock, so it decides exactly what the pipeline decided); or merged by event time, without
// control records and ticks, for the fit (a single clock over all customers). An erased customer's
// records only move the clock, as in the segmenter. The whole log is held in memory: about 1 GB per
// two million records.
import { avroSchemas, aTick, bodyOf, type CustomerEvent } from '@segmentation/contracts';
import { readTopicToEnd, UndecodableError, type AvroCodec, type Kafka } from '@segmentation/kafka';
import { readErasedCustomers } from '@segmentation/erasure';

export interface LogPartitions {
  partitions: Map<number, CustomerEvent[]>;
  /** Records read, and those left out as undecodable (the segmenter dead-letters them). */
  read: number;
  undecodable: number;
}

export async function readLogPartitions(
  kafka: Kafka,
  codec: AvroCodec,
  topics: { customerEvents: string; customerErasures: string },
): Promise<LogPartitions> {
  const erased = await readErasedCustomers(kafka, codec, topics.customerErasures);
  const partitions = new Map<number, CustomerEvent[]>();
  let undecodable = 0;
  const read = await readTopicToEnd(kafka, topics.customerEvents, async (m) => {
    let event: CustomerEvent;
    try {
      event = await codec.decode<CustomerEvent>(m.value, avroSchemas.customerEvent);
    } catch (err) {
      if (!(err instanceof UndecodableError)) throw err;
      undecodable++;
      return;
    }
    const list = partitions.get(m.partition) ?? [];
    partitions.set(m.partition, list);
    list.push(erased.has(event.customerId) ? aTick(m.partition, event.eventTime) : event);
  });
  return { partitions, read, undecodable };
}

export interface LogHistory {
  events: CustomerEvent[];
  read: number;
  undecodable: number;
}

export async function readLogHistory(
  kafka: Kafka,
  codec: AvroCodec,
  topics: { customerEvents: string; customerErasures: string },
): Promise<LogHistory> {
  const { partitions, read, undecodable } = await readLogPartitions(kafka, codec, topics);
  const events = [...partitions.values()].flat().filter((e) => e.customerId !== '' && bodyOf(e).kind !== 'tick');
  // Stable: records of one time keep their partition's log order.
  events.sort((a, b) => a.eventTime - b.eventTime);
  return { events, read, undecodable };
}
