import { CarryMemory } from './carry-forward.ts';
import type { ImportKind } from './columns.ts';

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
 * What every ledger knows in memory: the event ids imported, and per order, shipment or complaint
 * the latest carry-forward fields. Where the entries are kept is the subclass's business.
 */
export abstract class KnownImports implements ImportLedger {
  private readonly ids = new Set<string>();
  private readonly memory = new CarryMemory();

  has(eventId: string): boolean {
    return this.ids.has(eventId);
  }

  get size(): number {
    return this.ids.size;
  }

  carried(entity: string): Record<string, unknown> | undefined {
    return this.memory.get(entity);
  }

  abstract record(entries: LedgerEntry[]): Promise<void>;

  /** Takes entries (read back, or just made durable) into what the ledger knows. */
  protected know(entries: Iterable<Pick<LedgerEntry, 'eventId' | 'carry'>>): void {
    for (const e of entries) {
      this.ids.add(e.eventId);
      if (e.carry) this.memory.remember(e.carry.entity, e.carry.eventTime, e.carry.fields);
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
    return carry && typeof carry.entity === 'string' && typeof carry.eventTime === 'number' && typeof carry.fields === 'object' && carry.fields !== null ? carry : undefined;
  } catch {
    return undefined;
  }
}
