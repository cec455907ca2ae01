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

export const carryFields = (spec: KindSpec) => Object.entries(spec).filter(([, f]) => f.carry).map(([name]) => name);

/** Decides, for every row of one kind (all its files), what it may take from earlier rows. */
export function carryForward(kind: ImportKind, spec: KindSpec, rows: CarryRow[], earlier: EarlierImports = () => undefined): void {
  const idField = entityField[kind];
  const fields = carryFields(spec);
  if (idField === null || fields.length === 0) return;
  const groups = new Map<string, CarryRow[]>();
  for (const row of rows) {
    const { customerId, eventTime } = row.draft.values;
    const id = row.draft.values[idField];
    // Without its customer, id or time a row cannot be placed among its siblings; it is refused anyway.
    if (typeof customerId !== 'string' || typeof id !== 'string' || typeof eventTime !== 'number') continue;
    const entity = entityKey(kind, customerId, id);
    const group = groups.get(entity);
    if (group) group.push(row);
    else groups.set(entity, [row]);
  }
  for (const [entity, group] of groups) {
    group.sort((a, b) => (a.draft.values.eventTime as number) - (b.draft.values.eventTime as number) || a.fileIndex - b.fileIndex || a.line - b.line);
    const before = earlier(entity);
    const known: Record<string, unknown> = { ...before };
    let earlierRow = before !== undefined;
    for (const row of group) {
      const values: Record<string, unknown> = {};
      let any = false;
      for (const f of fields) {
        if (known[f] !== undefined && leavesOut(row.draft, f)) {
          values[f] = known[f];
          any = true;
        }
      }
      // Most rows leave nothing out: they share one empty answer instead of holding their own.
      row.carried = any ? { values, earlierRow } : earlierRow ? HAS_EARLIER : NOTHING_EARLIER;
      for (const f of fields) if (row.draft.values[f] !== undefined && row.draft.values[f] !== null) known[f] = row.draft.values[f];
      earlierRow = true;
    }
  }
}

const HAS_EARLIER: Carried = Object.freeze({ values: Object.freeze({}), earlierRow: true });

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
