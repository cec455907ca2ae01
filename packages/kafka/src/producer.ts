import { Partitioners, type Kafka, type Producer } from 'kafkajs';

export interface OutgoingMessage {
  key: string | Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string | Buffer | Array<string | Buffer>>;
  partition?: number;
}

/**
 * An idempotent producer that waits for all in-sync replicas. Keys are placed by the
 * Java-compatible murmur2 partitioner, so producers in any language agree on a customer's partition.
 */
export class ReliableProducer {
  private readonly producer: Producer;
  private connected = false;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Keep retrying while the broker is away instead of failing the batch: nothing is
      // committed meanwhile, so the pipeline pauses rather than drops (and the idempotent
      // producer keeps its sequence numbers, which a limited retry count would give up).
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.producer.on(this.producer.events.DISCONNECT, () => { this.connected = false; });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** Resolves once every message is acknowledged by Kafka. */
  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    await this.sendWithPartitions(topic, messages);
  }

  /** Like `send`, and says which partitions the messages went to. */
  async sendWithPartitions(topic: string, messages: OutgoingMessage[]): Promise<number[]> {
    if (messages.length === 0) return [];
    const written = await this.producer.send({ topic, acks: -1, messages });
    return [...new Set(written.map((r) => r.partition))];
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
    this.connected = false;
  }
}
