import { avroSchemas, valueSubject, type CustomerEvent } from '@segmentation/contracts';
import type { AvroCodec } from './avro-codec.ts';
import type { ReliableProducer } from './producer.ts';

/**
 * Writes records straight into `customer-events`, keyed by customer id: the path of bulk history
 * (the import command, the simulator's fast mode), which bypasses ingest but not its validation.
 * Callers hand records in event-time order, so a replayed year is seen in the order it happened.
 */
export class CustomerEventLogWriter {
  private readonly producer: ReliableProducer;
  private readonly codec: AvroCodec;
  private readonly topic: string;
  private readonly schemaId: number;

  private constructor(producer: ReliableProducer, codec: AvroCodec, topic: string, schemaId: number) {
    this.producer = producer;
    this.codec = codec;
    this.topic = topic;
    this.schemaId = schemaId;
  }

  static async open(producer: ReliableProducer, codec: AvroCodec, topic: string): Promise<CustomerEventLogWriter> {
    return new CustomerEventLogWriter(producer, codec, topic, await codec.register(valueSubject(topic), avroSchemas.customerEvent));
  }

  /** Resolves once Kafka acknowledged every record. */
  async write(events: CustomerEvent[]): Promise<void> {
    await this.producer.send(
      this.topic,
      events.map((e) => ({
        key: e.customerId,
        value: this.codec.encode(this.schemaId, avroSchemas.customerEvent, e),
      })),
    );
  }
}
