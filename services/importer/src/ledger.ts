import { ensureTopics, readTopicToEnd, type Kafka, type ReliableProducer } from '@segmentation/kafka';
import type { ImportKind } from './columns.ts';

// The import's own memory of what it already wrote into `customer-events`. The segmenter's
// duplicate check remembers a bounded number of recent event ids per customer, so it cannot
// recognise a re-imported year; and the log keeps everything forever, so a duplicate written
// there is never cleaned up. The ledger lives in Kafka beside the log it describes: it survives
// the machine the import ran on, any operator can re-run the import from anywhere, and a fresh
// `customer-events` (another prefix, another cluster) comes with a fresh ledger.

export interface LedgerEntry {
  eventId: string;
  kind: ImportKind;
  /** Base name of the file and line that contributed the event: what an operator asks about. */
  file: string;
  line: number;
}

export interface ImportLedger {
  /** Event ids imported by any earlier run. */
  has(eventId: string): boolean;
  readonly size: number;
  /** Makes the entries durable; called only after their records were acknowledged by Kafka. */
  record(entries: LedgerEntry[]): Promise<void>;
}

/** The ledger of a `customer-events` topic: named from it, so each log has exactly one. */

/**
 * The ledger as a compacted topic keyed by event id: one entry per event is all it needs, so
 * compaction drops only the older entry of an event recorded twice (after a crash), never an
 * event. One partition: it is read whole at start and never by key, so more would buy nothing.
 */
export class KafkaImportLedger implements ImportLedger {
  private readonly ids: Set<string>;
  private readonly producer: ReliableProducer;
  private readonly topic: string;
  private readonly run: string;

  private constructor(ids: Set<string>, producer: ReliableProducer, topic: string, run: string) {
    this.ids = ids;
    this.producer = producer;
    this.topic = topic;
    this.run = run;
  }

  /** Creates the ledger topic if needed and reads it to its end. */
  static async open(kafka: Kafka, producer: ReliableProducer, topic: string, run: string): Promise<KafkaImportLedger> {
    await ensureTopics(kafka, [{ topic, partitions: 1, config: { 'cleanup.policy': 'compact' } }]);
    const ids = new Set<string>();
    await readTopicToEnd(kafka, topic, (m) => {
      if (m.key !== null && m.value !== null) ids.add(m.key.toString('utf8'));
    });
    return new KafkaImportLedger(ids, producer, topic, run);
  }

  has(eventId: string): boolean {
    return this.ids.has(eventId);
  }

  get size(): number {
    return this.ids.size;
  }

  async record(entries: LedgerEntry[]): Promise<void> {
    const importedAt = new Date().toISOString();
    await this.producer.send(this.topic, entries.map((e) => ({
      key: e.eventId,
      value: Buffer.from(JSON.stringify({ kind: e.kind, file: e.file, line: e.line, run: this.run, importedAt })),
    })));
    for (const e of entries) this.ids.add(e.eventId);
  }
}

/** A ledger kept in memory: unit tests, and the dry run (which writes nothing anywhere). */
export class MemoryImportLedger implements ImportLedger {
  readonly entries: LedgerEntry[] = [];
  private readonly ids = new Set<string>();

  has(eventId: string): boolean {
    return this.ids.has(eventId);
  }

  get size(): number {
    return this.ids.size;
  }

  record(entries: LedgerEntry[]): Promise<void> {
    for (const e of entries) {
      this.entries.push(e);
      this.ids.add(e.eventId);
    }
    return Promise.resolve();
  }
}
