// TypeScript shapes of the Avro records (schemas/avro). Times are epoch milliseconds.
// Unions of several records are wrapped by their full name, as avsc decodes them.

import type { z } from 'zod';
import type { complaintSchema } from './complaint-validation.ts';
import type { orderSchema } from './order-validation.ts';
import type { profileSchema } from './profile-validation.ts';
import type { shipmentSchema } from './shipment-validation.ts';

// The four source records are what their zod schema accepts (z.infer), so the type and the
// validation cannot differ; contract-layers.test.ts holds both to the Avro schema.

export type Order = z.infer<typeof orderSchema>;
export type OrderKind = Order['kind'];
export type ServiceLevel = Order['serviceLevel'];

export type Shipment = z.infer<typeof shipmentSchema>;
export type ShipmentStatus = Shipment['status'];
export type TransportMode = Shipment['transportMode'];

export type Complaint = z.infer<typeof complaintSchema>;
export type ComplaintAction = Complaint['action'];
export type ComplaintCategory = Complaint['category'];
export type ComplaintSeverity = Complaint['severity'];

export type CustomerProfile = z.infer<typeof profileSchema>;
export type Industry = CustomerProfile['industry'];
export type CustomerType = CustomerProfile['customerType'];

export interface SourcePosition {
  topic: string;
  partition: number;
  offset: number;
}

export interface OrderRecorded {
  orderId: string;
  kind: OrderKind;
  amount: number;
  currency: string;
  amountBase: number;
  baseCurrency: string;
  serviceLevel: ServiceLevel;
  valueAddedServices: string[];
  weightKg: number | null;
  volumeM3: number | null;
  originCountry: string;
  originRegion: string | null;
  destinationCountry: string;
  destinationRegion: string | null;
  channel: string | null;
}

export type ShipmentRecorded = Omit<Shipment, 'eventId' | 'customerId' | 'eventTime'> & { onTime: boolean | null };
export type ComplaintRecorded = Omit<Complaint, 'eventId' | 'customerId' | 'eventTime'>;
export type ProfileRecorded = Omit<CustomerProfile, 'eventId' | 'customerId' | 'eventTime'>;

export type CustomerEventBody =
  | { 'segmentation.log.OrderRecorded': OrderRecorded }
  | { 'segmentation.log.Tick': { partition: number } }
  | { 'segmentation.log.ShipmentRecorded': ShipmentRecorded }
  | { 'segmentation.log.ComplaintRecorded': ComplaintRecorded }
  | { 'segmentation.log.ProfileRecorded': ProfileRecorded }
  | { 'segmentation.log.RulesApplied': RulesApplied };

/** A rules version put in force: one record of the `rules-versions` registry, and the body of the
 *  control record written into every partition of `customer-events` (DESIGN.md invariant 9). */
export interface RulesApplied {
  version: string;
  content: string;
  appliedAt: number;
  appliedBy: string;
}

export interface RulesVersionRecord extends RulesApplied {
  /** Why, in the publisher's words. */
  note: string;
}

/** One customer on the erasure list (`customer-erasures`). */
export interface CustomerErasure {
  customerId: string;
  /** Epoch ms. */
  requestedAt: number;
  requestedBy: string;
  /** A reference such as a ticket number, never the request's personal content. */
  reason: string;
}

/** One record of the console's audit trail (`console-audit`): who did what to which customers. */
export interface ConsoleAuditRecord {
  auditId: string;
  /** Epoch ms. */
  at: number;
  user: string;
  role: string;
  /** `customer_viewed`, `customers_erased`, `alert_acknowledged`, `alert_assigned`, `alert_action_recorded`, `alert_closed`; later actions add values. */
  action: string;
  customerIds: string[];
  /** The route pattern, never the URL. */
  route: string;
  detail: string;
}

/** What an alert workflow record says happened (`alert-workflow`). */
export type AlertWorkflowKind = 'acknowledged' | 'assigned' | 'action_taken' | 'closed_with_outcome';

/** How the work on an episode ended: 留住 retained, 挽回 won back, 流失 lost, 非流失风险 not a churn risk. */
export type AlertOutcome = 'retained' | 'won_back' | 'lost' | 'not_a_churn_risk';
export const ALERT_OUTCOMES: readonly AlertOutcome[] = ['retained', 'won_back', 'lost', 'not_a_churn_risk'];

/** One step of the work on a churn alert episode (`alert-workflow`, key: customer id). The segmenter never reads it. */
export interface AlertWorkflowEvent {
  /** Derived from the request, so a retried request is recognisably the same record. */
  workflowId: string;
  episodeId: string;
  customerId: string;
  kind: AlertWorkflowKind;
  /** The console user who recorded it. */
  by: string;
  /** Epoch ms, when it was recorded. */
  at: number;
  assignee: string | null;
  action: string | null;
  recommended: boolean | null;
  /** Epoch ms, when the action was taken. */
  actionAt: number | null;
  outcome: AlertOutcome | null;
  note: string;
}

export interface CustomerEvent {
  eventId: string;
  customerId: string;
  eventTime: number;
  source: SourcePosition | null;
  body: CustomerEventBody;
}

export interface SegmentChange {
  changeId: string;
  customerId: string;
  dimension: string;
  fromSegment: string | null;
  toSegment: string;
  sequence: number;
  cause: OutputCause;
  causeEventId: string | null;
  ruleVersion: string;
  rule: string;
  /** The customer's feature snapshot when the change was decided. */
  features: Record<string, number>;
  eventTime: number;
  detectedAt: number;
  /** What the business does for customers in `toSegment` (服务策略). */
  strategy: string;
  reasons: SegmentReason[];
  /** Every segment of the dimension whose entry condition holds, whatever the priority chose. */
  flags: string[];
}

/** Why an output was decided: a customer's event, a timer on the log's clock, or new rules. */
export type OutputCause = 'event' | 'timer' | 'profile' | 'rules_changed';

/** One comparison behind a membership, as written in the rules, with the values it compared. */
export interface SegmentReason {
  condition: string;
  feature: string;
  value: number;
  threshold: number;
}

export interface ChurnReason {
  code: string;
  text: string;
  value: number | null;
}

export interface ChurnAlert {
  alertId: string;
  customerId: string;
  level: 'watch' | 'warning' | 'critical' | 'cleared';
  previousLevel: string | null;
  riskScore: number;
  sequence: number;
  reasons: ChurnReason[];
  cause: OutputCause;
  causeEventId: string | null;
  ruleVersion: string;
  valueTier: string | null;
  eventTime: number;
  detectedAt: number;
  /** The recommended action for the value tier and the main cause. */
  action: string;
  /** The alert episode this message belongs to (`customerId/episode/n`): from the first raise to
   *  the close after a sustained recovery; null on alerts written before episodes existed. */
  episodeId: string | null;
  /** What this message does to its episode; receivers are notified of `opened`, `escalated` and `closed`. */
  episodeEvent: EpisodeEvent | null;
}

/** opened: the first raise; escalated: a level above any before in the episode; re_escalated: back
 *  up to a level reached before; de_escalated: down a level, still open; closed: sustained recovery (cleared). */
export type EpisodeEvent = 'opened' | 'escalated' | 're_escalated' | 'de_escalated' | 'closed';

export interface FeatureSnapshot {
  snapshotId: string;
  customerId: string;
  features: Record<string, number>;
  attributes: Record<string, string>;
  segments: Record<string, string>;
  ruleVersion: string;
  eventTime: number;
  detectedAt: number;
}

/** The body of a log record as a tagged value, for `switch (b.kind)`. */
export type LoggedBody =
  | { kind: 'order'; order: OrderRecorded }
  | { kind: 'shipment'; shipment: ShipmentRecorded }
  | { kind: 'complaint'; complaint: ComplaintRecorded }
  | { kind: 'profile'; profile: ProfileRecorded }
  | { kind: 'tick'; partition: number }
  | { kind: 'rules'; rules: RulesApplied };

export function bodyOf(event: CustomerEvent): LoggedBody {
  const b = event.body;
  if ('segmentation.log.OrderRecorded' in b) return { kind: 'order', order: b['segmentation.log.OrderRecorded'] };
  if ('segmentation.log.ShipmentRecorded' in b) return { kind: 'shipment', shipment: b['segmentation.log.ShipmentRecorded'] };
  if ('segmentation.log.ComplaintRecorded' in b) return { kind: 'complaint', complaint: b['segmentation.log.ComplaintRecorded'] };
  if ('segmentation.log.ProfileRecorded' in b) return { kind: 'profile', profile: b['segmentation.log.ProfileRecorded'] };
  if ('segmentation.log.RulesApplied' in b) return { kind: 'rules', rules: b['segmentation.log.RulesApplied'] };
  return { kind: 'tick', partition: b['segmentation.log.Tick'].partition };
}

export function orderOf(event: CustomerEvent): OrderRecorded | undefined {
  const body = bodyOf(event);
  return body.kind === 'order' ? body.order : undefined;
}
