import type { Complaint, CustomerProfile, Order, Shipment } from '@segmentation/contracts';

/** A source record as the source systems publish it, tagged with its kind (as in `SourceContract.kind`). */
export type SourceRecord =
  | { kind: 'order'; value: Order }
  | { kind: 'shipment'; value: Shipment }
  | { kind: 'complaint'; value: Complaint }
  | { kind: 'profile'; value: CustomerProfile };

export type RecordKind = SourceRecord['kind'];
export const recordKinds: readonly RecordKind[] = ['order', 'shipment', 'complaint', 'profile'];

/**
 * A generated record with what orders it: its event time, then customer and creation order for
 * records of the same millisecond. A wrapper rather than a copy of the record: the simulator makes
 * millions of them, and the garbage collector notices every extra object.
 */
export interface SimulatedRecord {
  time: number;
  customer: number;
  seq: number;
  record: SourceRecord;
}

/** Event-time order, ties broken by customer and creation order so the output is deterministic. */
export function byEventTime(a: SimulatedRecord, b: SimulatedRecord): number {
  return a.time - b.time || a.customer - b.customer || a.seq - b.seq;
}

/** Which way a released record moves the customer's dissatisfaction, and why (for churn causes). */
export interface Impact {
  cause: 'late_deliveries' | 'damage_or_loss' | 'complaints';
  amount: number;
}
