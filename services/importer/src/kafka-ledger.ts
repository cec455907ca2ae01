import { ensureTopics, readTopicToEnd, type Kafka, type ReliableProducer } from '@segmentation/kafka';
import { carryOf, KnownImports, type KnownStore, type LedgerEntry } from './ledger.ts';

// The ledger of ledger.ts kept where it must outlive the machine: beside the log it describes.
// What a run knows of it (ids, carry-forward fields) is read into a `KnownStore` at the start:
// an index on disk for a real run (ledger-index.ts), so the topic may hold any number of events.

/**
 * The ledger as a compacted topic keyed by event id: one entry per event is all it needs, so
 * compaction drops only the older entry of an event recorded twice (after a crash), never an
 * event. One partition: it is read whole at start and never by key, so more would buy nothing.
 */
export class KafkaImportLedger extends KnownImports {
  private readonly producer: ReliableProducer;
  private readonly topic: string;
  private readonly run: string;

  private constructor(producer: ReliableProducer, topic: string, run: string, store?: KnownStore) {
    super(store);
    this.producer = producer;
    this.topic = topic;
    this.run = run;
  }

  /** Creates the ledger topic if needed and reads it to its end, into `store` (in memory by default). */
  static async open(kafka: Kafka, producer: ReliableProducer, topic: string, run: string, store?: KnownStore): Promise<KafkaImportLedger> {
    await ensureTopics(kafka, [{ topic, partitions: 1, config: { 'cleanup.policy': 'compact' } }]);
    const ledger = new KafkaImportLedger(producer, topic, run, store);
    await readTopicToEnd(kafka, topic, (m) => {
      if (m.key === null || m.value === null) return;
      ledger.know([{ eventId: m.key.toString('utf8'), carry: carryOf(m.value.toString('utf8')) }]);
    });
    return ledger;
  }

  async record(entries: LedgerEntry[]): Promise<void> {
    const importedAt = new Date().toISOString();
    await this.producer.send(
      this.topic,
      entries.map((e) => ({
        key: e.eventId,
        value: Buffer.from(
          JSON.stringify({ kind: e.kind, file: e.file, line: e.line, run: this.run, importedAt, ...(e.carry ? { carry: e.carry } : {}) }),
        ),
      })),
    );
    // Not taken into the index: what it knows is the topic as it was when the run started, and
    // the run never asks about the events it writes (every row was judged before the first
    // write). Indexing ten million events again here would cost more than writing them.
  }
}
