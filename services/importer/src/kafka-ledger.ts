import { ensureTopics, readTopicToEnd, type Kafka, type ReliableProducer } from '@segmentation/kafka';
import { carryOf, KnownImports, type LedgerEntry } from './ledger.ts';

// The ledger of ledger.ts kept where it must outlive the machine: beside the log it describes.

/**
 * The ledger as a compacted topic keyed by event id: one entry per event is all it needs, so
 * compaction drops only the older entry of an event recorded twice (after a crash), never an
 * event. One partition: it is read whole at start and never by key, so more would buy nothing.
 */
export class KafkaImportLedger extends KnownImports {
  private readonly producer: ReliableProducer;
  private readonly topic: string;
  private readonly run: string;

  private constructor(producer: ReliableProducer, topic: string, run: string) {
    super();
    this.producer = producer;
    this.topic = topic;
    this.run = run;
  }

  /** Creates the ledger topic if needed and reads it to its end. */
  static async open(kafka: Kafka, producer: ReliableProducer, topic: string, run: string): Promise<KafkaImportLedger> {
    await ensureTopics(kafka, [{ topic, partitions: 1, config: { 'cleanup.policy': 'compact' } }]);
    const ledger = new KafkaImportLedger(producer, topic, run);
    await readTopicToEnd(kafka, topic, (m) => {
      if (m.key === null || m.value === null) return;
      ledger.know([{ eventId: m.key.toString('utf8'), carry: carryOf(m.value.toString('utf8')) }]);
    });
    return ledger;
  }

  async record(entries: LedgerEntry[]): Promise<void> {
    const importedAt = new Date().toISOString();
    await this.producer.send(this.topic, entries.map((e) => ({
      key: e.eventId,
      value: Buffer.from(JSON.stringify({ kind: e.kind, file: e.file, line: e.line, run: this.run, importedAt, ...(e.carry ? { carry: e.carry } : {}) })),
    })));
    this.know(entries);
  }
}
