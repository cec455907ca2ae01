import { CarryMemory, type ImportKind } from '@segmentation/mapping';

// The import's own memory of what it already wrote into `customer-events`. The segmenter's
// duplicate check remembers a bounded number of recent event ids per customer, so it cannot
// recognise a re-imported year; and the log keeps everything forever, so a duplicate written
// there is never cleaned up. The ledger lives in Kafka beside the log it describes: it survives
// the machine the import ran on, any operator can re-run the import from anywhere, and a fresh
// `customer-events` (another prefix, another cluster) comes with a fresh ledger (kafka-ledger.ts).

export interface LedgerEntry {
  eventId: string;
  kind: ImportKind;
  /** Base name of the file and line that contributed the event: what an operator asks about. */
  file: string;
  line: number;
  /**
   * The order, shipment or complaint the event belongs to, and its carry-forward fields as
   * imported: what a later run's update rows may take from it. Kept per order, shipment or
   * complaint (latest value of each field), so the memory grows with them, not with events.
   */
  carry?: { entity: string; eventTime: number; fields: Record<string, unknown> };
}

export interface ImportLedger {
  /** Event ids imported by any earlier run. */
  has(eventId: string): boolean;
  readonly size: number;
  /** The carry-forward fields earlier runs imported for an order, shipment or complaint (carry-forward.ts). */
  carried(entity: string): Record<string, unknown> | undefined;
  /** Makes the entries durable; called only after their records were acknowledged by Kafka. */
  record(entries: LedgerEntry[]): Promise<void>;
}

/**
 * Where a ledger keeps what it knows: the event ids imported, and per order, shipment or complaint
 * the latest carry-forward fields. In memory for unit tests and dry runs; for a real run an index
 * on disk (ledger-index.ts), so that a ledger of tens of millions of events costs no memory.
 */
export interface KnownStore {
  hasId(eventId: string): boolean;
  /** Adds an id; false when it was known already. */
  addId(eventId: string): boolean;
  readonly ids: number;
  carried(entity: string): Record<string, unknown> | undefined;
  /** Merges fields into an entity's: a later event's value wins, an earlier one fills only gaps. */
  remember(entity: string, eventTime: number, fields: Record<string, unknown>): void;
  close(): void;
}

/** A `KnownStore` in memory. */
export class MemoryKnownStore implements KnownStore {
  private readonly known = new Set<string>();
  private readonly memory = new CarryMemory();

  hasId(eventId: string): boolean {
    return this.known.has(eventId);
  }

  addId(eventId: string): boolean {
    if (this.known.has(eventId)) return false;
    this.known.add(eventId);
    return true;
  }

  get ids(): number {
    return this.known.size;
  }

  carried(entity: string): Record<string, unknown> | undefined {
    return this.memory.get(entity);
  }

  remember(entity: string, eventTime: number, fields: Record<string, unknown>): void {
    this.memory.remember(entity, eventTime, fields);
  }

  close(): void {}
}

/**
 * What every ledger knows: the event ids imported, and per order, shipment or complaint the latest
 * carry-forward fields, in a `KnownStore`. Where the entries are kept durably is the subclass's business.
 */
export abstract class KnownImports implements ImportLedger {
  protected readonly store: KnownStore;

  constructor(store: KnownStore = new MemoryKnownStore()) {
    this.store = store;
  }

  has(eventId: string): boolean {
    return this.store.hasId(eventId);
  }

  get size(): number {
    return this.store.ids;
  }

  carried(entity: string): Record<string, unknown> | undefined {
    return this.store.carried(entity);
  }

  abstract record(entries: LedgerEntry[]): Promise<void>;

  /** Lets the store go (an index on disk is closed, before its folder is removed). */
  close(): void {
    this.store.close();
  }

  /** Takes entries (read back, or just made durable) into what the ledger knows. */
  protected know(entries: Iterable<Pick<LedgerEntry, 'eventId' | 'carry'>>): void {
    for (const e of entries) {
      this.store.addId(e.eventId);
      if (e.carry) this.store.remember(e.carry.entity, e.carry.eventTime, e.carry.fields);
    }
  }
}

/** A ledger kept in memory: unit tests, and the dry run (which writes nothing anywhere). */
export class MemoryImportLedger extends KnownImports {
  readonly entries: LedgerEntry[] = [];

  record(entries: LedgerEntry[]): Promise<void> {
    this.entries.push(...entries);
    this.know(entries);
    return Promise.resolve();
  }
}

/** The carry-forward part of a ledger entry; entries written before carry-forward existed have none. */
export function carryOf(value: string): LedgerEntry['carry'] | undefined {
  try {
    const carry = (JSON.parse(value) as { carry?: unknown }).carry as LedgerEntry['carry'] | undefined;
    return carry &&
      typeof carry.entity === 'string' &&
      typeof carry.eventTime === 'number' &&
      typeof carry.fields === 'object' &&
      carry.fields !== null
      ? carry
      : undefined;
  } catch {
    return undefined;
  }
}
