import { Partitioners, type Producer } from 'kafkajs';
import { Coalescing } from './coalescing.ts';
import { clientOf, type Kafka } from './kafka-client.ts';

export interface OutgoingMessage {
  key: string | Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string | Buffer | Array<string | Buffer>>;
  partition?: number;
}

/**
 * An idempotent producer that waits for all in-sync replicas. Keys are placed by the
 * Java-compatible murmur2 partitioner, so producers in any language agree on a customer's partition.
 * Sends made while a request is in flight go together in the next one (coalescing.ts), as the Java
 * producer's accumulator does: one request per round trip carries every role's, partition batch's
 * and topic's messages. Each caller's messages keep their order.
 */
export class ReliableProducer {
  private readonly producer: Producer;
  private connected = false;
  private readonly requests = new Coalescing<QueuedSend, Map<string, Set<number>>>(
    (sends) => this.sendRequests(sends),
    (group, next) => group.reduce((n, s) => n + s.bytes, 0) + next.bytes <= REQUEST_BYTES,
  );

  constructor(kafka: Kafka) {
    this.producer = clientOf(kafka).producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Keep retrying while the broker is away instead of failing the batch: nothing is
      // committed meanwhile, so the pipeline pauses rather than drops (and the idempotent
      // producer keeps its sequence numbers, which a limited retry count would give up).
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connected = false;
    });
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

  /**
   * Like `send`, and says which partitions of the topic the request that carried the messages wrote
   * to: theirs, and those of other callers' messages to the same topic sent with them.
   */
  async sendWithPartitions(topic: string, messages: OutgoingMessage[]): Promise<number[]> {
    if (messages.length === 0) return [];
    const written = await this.requests.submit({ topic, messages, bytes: messages.reduce((n, m) => n + sizeOf(m), 0) });
    return [...(written.get(topic) ?? [])];
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
    this.connected = false;
  }

  /** Sends that fit in one request together go in one; a single larger send in consecutive requests. */
  private async sendRequests(sends: QueuedSend[]): Promise<Map<string, Set<number>>> {
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const s of sends) {
      const messages = byTopic.get(s.topic);
      if (messages) messages.push(...s.messages);
      else byTopic.set(s.topic, [...s.messages]); // kafkajs keeps only one entry per topic
    }
    const requests =
      sends.length === 1
        ? [...requestsOf(sends[0]!.messages)].map((part) => [{ topic: sends[0]!.topic, messages: part }])
        : [[...byTopic].map(([topic, messages]) => ({ topic, messages }))];
    const written = new Map<string, Set<number>>();
    for (const topicMessages of requests) {
      for (const r of await this.producer.sendBatch({ acks: -1, topicMessages })) {
        written.set(r.topicName, (written.get(r.topicName) ?? new Set()).add(r.partition));
      }
    }
    return written;
  }
}

interface QueuedSend {
  topic: string;
  messages: OutgoingMessage[];
  bytes: number;
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

const bytesOf = (v: string | Buffer | null | undefined): number =>
  v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;

function sizeOf(m: OutgoingMessage): number {
  let size = 64 + bytesOf(m.key) + bytesOf(m.value); // 64: record overhead, generously
  for (const [k, v] of Object.entries(m.headers ?? {}))
    size += k.length + (Array.isArray(v) ? v.reduce((n, x) => n + bytesOf(x), 0) : bytesOf(v));
  return size;
}
