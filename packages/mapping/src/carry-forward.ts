import { entityField, type ImportKind, type KindSpec } from './columns.ts';
import { leavesOut, NOTHING_EARLIER, type Carried, type RowDraft } from './mapping.ts';

// Status exports list an order, shipment or complaint once per change, and the rows after the
// first rarely repeat what did not change: a "delivered" row has no transport mode, a "resolved"
// ticket no severity, a "returned" order no countries. Those fields belong to the order, shipment
// or complaint, not to the status row, so an update row that leaves one out takes it from the
// latest earlier row (in event time) of the same one: in this run, or else as an earlier import
// recorded it in the ledger. Only values read from rows travel on, never defaults.

/** One order, shipment or complaint of one customer. */
export const entityKey = (kind: ImportKind, customerId: string, id: string) => JSON.stringify([kind, customerId, id]);

export interface CarryRow {
  draft: RowDraft;
  /** Position of the file on the command line, and the line: ties of event time follow them. */
  fileIndex: number;
  line: number;
  /** Set by `carryForward` on rows of an order, shipment or complaint. */
  carried?: Carried;
}

/** The carry-forward fields an earlier import recorded for an order, shipment or complaint. */
export type EarlierImports = (entity: string) => Record<string, unknown> | undefined;

export const carryFields = (spec: KindSpec) =>
  Object.entries(spec)
    .filter(([, f]) => f.carry)
    .map(([name]) => name);

/** The order, shipment or complaint a row belongs to; undefined for profiles, and rows without their customer, id or time. */
export function entityOf(kind: ImportKind, draft: RowDraft): string | undefined {
  const idField = entityField[kind];
  if (idField === null) return undefined;
  const { customerId, eventTime } = draft.values;
  const id = draft.values[idField];
  // Without its customer, id or time a row cannot be placed among its siblings; it is refused anyway.
  if (typeof customerId !== 'string' || typeof id !== 'string' || typeof eventTime !== 'number') return undefined;
  return entityKey(kind, customerId, id);
}

/** Decides, for every row of one kind (all its files), what it may take from earlier rows. */
export function carryForward(kind: ImportKind, spec: KindSpec, rows: CarryRow[], earlier: EarlierImports = () => undefined): void {
  const idField = entityField[kind];
  const fields = carryFields(spec);
  if (idField === null || fields.length === 0) return;
  const groups = new Map<string, CarryRow[]>();
  for (const row of rows) {
    const entity = entityOf(kind, row.draft);
    if (entity === undefined) continue;
    const group = groups.get(entity);
    if (group) group.push(row);
    else groups.set(entity, [row]);
  }
  for (const [entity, group] of groups) {
    group.sort(
      (a, b) => (a.draft.values.eventTime as number) - (b.draft.values.eventTime as number) || a.fileIndex - b.fileIndex || a.line - b.line,
    );
    const along = new CarryAlong(fields, earlier(entity));
    for (const row of group) row.carried = along.next(row.draft);
  }
}

/**
 * The rows of one order, shipment or complaint, given in event-time order (ties: file, then
 * line): what each may take from the rows before it, or from `before` (what earlier imports gave).
 */
export class CarryAlong {
  private readonly fields: string[];
  private readonly known: Record<string, unknown>;
  private earlierRow: boolean;

  constructor(fields: string[], before: Record<string, unknown> | undefined) {
    this.fields = fields;
    this.known = { ...before };
    this.earlierRow = before !== undefined;
  }

  /** `draft` needs only its carry-forward fields' values, and the problems of those fields. */
  next(draft: RowDraft): Carried {
    const values: Record<string, unknown> = {};
    let any = false;
    for (const f of this.fields) {
      if (this.known[f] !== undefined && leavesOut(draft, f)) {
        values[f] = this.known[f];
        any = true;
      }
    }
    // Most rows leave nothing out: they share one empty answer instead of holding their own.
    const carried = any ? { values, earlierRow: this.earlierRow } : this.earlierRow ? HAS_EARLIER : NOTHING_EARLIER;
    for (const f of this.fields) if (draft.values[f] !== undefined && draft.values[f] !== null) this.known[f] = draft.values[f];
    this.earlierRow = true;
    return carried;
  }
}

export const HAS_EARLIER: Carried = Object.freeze({ values: Object.freeze({}), earlierRow: true });

/** What an import keeps of each order, shipment or complaint for later runs: its latest value of each carry-forward field. */
export class CarryMemory {
  private readonly entities = new Map<string, { eventTime: number; fields: Record<string, unknown> }>();

  remember(entity: string, eventTime: number, fields: Record<string, unknown>): void {
    const had = this.entities.get(entity);
    if (had === undefined) this.entities.set(entity, { eventTime, fields });
    else if (eventTime >= had.eventTime) this.entities.set(entity, { eventTime, fields: { ...had.fields, ...fields } });
    else this.entities.set(entity, { eventTime: had.eventTime, fields: { ...fields, ...had.fields } });
  }

  get(entity: string): Record<string, unknown> | undefined {
    return this.entities.get(entity)?.fields;
  }

  get size(): number {
    return this.entities.size;
  }
}
