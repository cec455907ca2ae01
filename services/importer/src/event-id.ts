import { createHash } from 'node:crypto';
import type { ImportKind } from './columns.ts';

// Exports rarely carry an event id, yet the ledger and the segmenter's duplicate check both need
// one that is the same every time the same business event is imported. So it is derived from
// what identifies the event in the business, never from where it was read (file, line, format):
// a re-export with other columns, another row order or times written another way gives the same
// ids. Name-based UUIDs (RFC 9562 version 5) keep the shape of the ids live events carry.

/** A fixed namespace: changing it would give every imported event a new id. */
const NAMESPACE = Buffer.from('e16795b44a784713b047e66155acb93e', 'hex');

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

export function uuidV5(name: string, namespace: Buffer = NAMESPACE): string {
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
