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
    const partitions = new Set<number>();
    for (const part of requestsOf(messages)) {
      for (const r of await this.producer.send({ topic, acks: -1, messages: part })) partitions.add(r.partition);
    }
    return [...partitions];
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
    this.connected = false;
  }
}

/**
 * The broker refuses a record batch over its `message.max.bytes` (1 MB by default), and a refused
 * batch is refused again on every retry: a burst of large messages (each under MAX_MESSAGE_BYTES,
 * say ten of 150 kB dead-lettered together) would stall the pipeline for good. So messages go in
 * consecutive requests of at most this many bytes, in order.
 */
const REQUEST_BYTES = 512 * 1024;

export function* requestsOf(messages: OutgoingMessage[]): Generator<OutgoingMessage[]> {
  let part: OutgoingMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = sizeOf(m);
    if (part.length > 0 && bytes + size > REQUEST_BYTES) {
      yield part;
      part = [];
      bytes = 0;
    }
    part.push(m);
    bytes += size;
  }
  if (part.length > 0) yield part;
}

const bytesOf = (v: string | Buffer | null | undefined): number => (v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);

function sizeOf(m: OutgoingMessage): number {
  let size = 64 + bytesOf(m.key) + bytesOf(m.value); // 64: record overhead, generously
  for (const [k, v] of Object.entries(m.headers ?? {})) size += k.length + (Array.isArray(v) ? v.reduce((n, x) => n + bytesOf(x), 0) : bytesOf(v));
  return size;
}
