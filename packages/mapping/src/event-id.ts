import { v5 } from 'uuid';
import type { ImportKind } from './columns.ts';

// Exports rarely carry an event id, yet the ledger and the segmenter's duplicate check both need
// one that is the same every time the same business event is imported. So it is derived from
// what identifies the event in the business, never from where it was read (file, line, format):
// a re-export with other columns, another row order or times written another way gives the same
// ids. Name-based UUIDs (RFC 9562 version 5) keep the shape of the ids live events carry.

/** A fixed namespace: changing it would give every imported event a new id. */
export const EVENT_ID_NAMESPACE = 'e16795b4-4a78-4713-b047-e66155acb93e';

/** Fields that identify one event of each kind, besides the customer and the event time. */
const naturalKey: Record<ImportKind, string[]> = {
  orders: ['orderId', 'kind'],
  shipments: ['shipmentId', 'status'],
  complaints: ['complaintId', 'action'],
  profiles: [],
};

/** The id of an imported event without an id of its own; `record` holds converted values. */
export function deriveEventId(kind: ImportKind, record: Record<string, unknown>): string {
  const parts = [kind, record.customerId, ...naturalKey[kind].map((f) => record[f]), record.eventTime];
  return uuidV5(JSON.stringify(parts));
}

/** A name-based UUID of `name` (UTF-8) in `namespace` (a UUID in its text form). */
export function uuidV5(name: string, namespace: string = EVENT_ID_NAMESPACE): string {
  return v5(name, namespace);
}
