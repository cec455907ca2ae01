import { ensureTopics, readTopicToEnd, type Kafka, type ReliableProducer } from '@segmentation/kafka';
import { CarryMemory } from './carry-forward.ts';
import { carryOf, type ImportLedger, type LedgerEntry } from './ledger.ts';

// The ledger of ledger.ts kept where it must outlive the machine: beside the log it describes.

/**
 * The ledger as a compacted topic keyed by event id: one entry per event is all it needs, so
 * compaction drops only the older entry of an event recorded twice (after a crash), never an
 * event. One partition: it is read whole at start and never by key, so more would buy nothing.
 */
export class KafkaImportLedger implements ImportLedger {
  private readonly ids: Set<string>;
  private readonly memory: CarryMemory;
  private readonly producer: ReliableProducer;
  private readonly topic: string;
  private readonly run: string;

  private constructor(ids: Set<string>, memory: CarryMemory, producer: ReliableProducer, topic: string, run: string) {
    this.ids = ids;
    this.memory = memory;
    this.producer = producer;
    this.topic = topic;
    this.run = run;
  }

  /** Creates the ledger topic if needed and reads it to its end. */
  static async open(kafka: Kafka, producer: ReliableProducer, topic: string, run: string): Promise<KafkaImportLedger> {
    await ensureTopics(kafka, [{ topic, partitions: 1, config: { 'cleanup.policy': 'compact' } }]);
    const ids = new Set<string>();
    const memory = new CarryMemory();
    await readTopicToEnd(kafka, topic, (m) => {
      if (m.key === null || m.value === null) return;
      ids.add(m.key.toString('utf8'));
      const carry = carryOf(m.value.toString('utf8'));
      if (carry) memory.remember(carry.entity, carry.eventTime, carry.fields);
    });
    return new KafkaImportLedger(ids, memory, producer, topic, run);
  }

  has(eventId: string): boolean {
    return this.ids.has(eventId);
  }

  get size(): number {
    return this.ids.size;
  }

  carried(entity: string): Record<string, unknown> | undefined {
    return this.memory.get(entity);
  }

  async record(entries: LedgerEntry[]): Promise<void> {
    const importedAt = new Date().toISOString();
    await this.producer.send(this.topic, entries.map((e) => ({
      key: e.eventId,
      value: Buffer.from(JSON.stringify({ kind: e.kind, file: e.file, line: e.line, run: this.run, importedAt, ...(e.carry ? { carry: e.carry } : {}) })),
    })));
    for (const e of entries) {
      this.ids.add(e.eventId);
      if (e.carry) this.memory.remember(e.carry.entity, e.carry.eventTime, e.carry.fields);
    }
  }
}
