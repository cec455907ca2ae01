// The public shapes of the independent generator (re-exported by index.ts).
import type { Complaint, CustomerProfile, Order, Shipment } from '@segmentation/contracts';

export type IndependentRecord =
  | { kind: 'order'; value: Order }
  | { kind: 'shipment'; value: Shipment }
  | { kind: 'complaint'; value: Complaint }
  | { kind: 'profile'; value: CustomerProfile };

export interface IndependentOptions {
  seed: number;
  customers: number;
  days: number;
  /** YYYY-MM-DD; days begin at midnight Asia/Shanghai. */
  start: string;
}

export type ChurnCause = 'gradual_shift' | 'service_incident' | 'quiet_exit';

export interface IndependentTruth {
  customerId: string;
  behaviour: string;
  industry: string;
  /** CNY a year the undisturbed ordering process brings (placed orders; cancellations not deducted). */
  expectedAnnualValue: number;
  valueTier: 'high' | 'medium' | 'low';
  medianGapDays: number;
  declineStartedAt: number | null;
  churnedAt: number | null;
  churnCause: ChurnCause | null;
  wonBackAt: number | null;
  pauses: Array<{ from: number; to: number }>;
}
