import type { CustomerEvent } from '@segmentation/contracts';
import type { ImportKind } from '@segmentation/mapping';

// The order imported events enter `customer-events` in: event time, so that a replayed year is
// seen in the order it happened (DESIGN.md invariant 1), whatever the order of the files and of
// the rows in them. Ties need a rule too, or two runs over the same files could write a
// customer's events in different orders: at the same instant a profile comes first (the customer
// exists before it orders), then orders, shipments, complaints (cause before consequence); then
// the order of the files on the command line and of the lines in each.

export interface PendingEvent {
  event: CustomerEvent;
  kind: ImportKind;
  /** Position of the file on the command line, and the line in it. */
  fileIndex: number;
  line: number;
}

const kindRank: Record<ImportKind, number> = { profiles: 0, orders: 1, shipments: 2, complaints: 3 };

export function compareForLog(a: PendingEvent, b: PendingEvent): number {
  return a.event.eventTime - b.event.eventTime || kindRank[a.kind] - kindRank[b.kind] || a.fileIndex - b.fileIndex || a.line - b.line;
}

/** Sorts in place into log order and returns the same array. */
export const sortForLog = (events: PendingEvent[]) => events.sort(compareForLog);
