import type {
  AlertWorkflowEvent,
  ChurnAlert,
  CustomerEvent,
  FeatureSnapshot,
  OrderRecorded,
  ProfileRecorded,
  SegmentChange,
  ShipmentRecorded,
  ComplaintRecorded,
} from './records.ts';
import { anOrder } from './builders.ts';

// Builders of log records (customer-events) and outputs, with defaults; tests and benchmarks override what
// matters to them. Times are epoch ms; `shanghai('2026-03-01 10:00')` reads a business-local time.

/** Epoch ms of a wall-clock time in Asia/Shanghai (UTC+8, no daylight saving). */
export const shanghai = (local: string): number => Date.parse(`${local.replace(' ', 'T')}:00+08:00`);

const event = (customerId: string, eventId: string, eventTime: number, body: CustomerEvent['body']): CustomerEvent => ({
  eventId,
  customerId,
  eventTime,
  source: { topic: 'orders', partition: 0, offset: 0 },
  body,
});

export function anOrderEvent(o: { customerId: string; eventId: string; eventTime: number } & Partial<OrderRecorded>): CustomerEvent {
  const { customerId, eventId, eventTime, ...overrides } = o;
  // The source order's defaults (builders.ts), as ingest would normalise them in the base currency.
  const { eventId: _id, customerId: _customer, eventTime: _time, ...source } = anOrder();
  const order: OrderRecorded = {
    ...source,
    orderId: `O-${eventId}`,
    amountBase: source.amount,
    baseCurrency: source.currency,
    ...overrides,
  };
  return event(customerId, eventId, eventTime, { 'segmentation.log.OrderRecorded': order });
}

export function aShipmentEvent(s: { customerId: string; eventId: string; eventTime: number } & Partial<ShipmentRecorded>): CustomerEvent {
  const { customerId, eventId, eventTime, ...overrides } = s;
  const shipment: ShipmentRecorded = {
    shipmentId: `S-${eventId}`,
    orderId: null,
    status: 'DELIVERED',
    transportMode: 'SEA',
    promisedDeliveryTime: eventTime,
    actualDeliveryTime: eventTime,
    port: 'CNSHA',
    originCountry: 'CN',
    destinationCountry: 'DE',
    onTime: true,
    ...overrides,
  };
  return {
    ...event(customerId, eventId, eventTime, { 'segmentation.log.ShipmentRecorded': shipment }),
    source: { topic: 'shipments', partition: 0, offset: 0 },
  };
}

export function aComplaintEvent(c: { customerId: string; eventId: string; eventTime: number } & Partial<ComplaintRecorded>): CustomerEvent {
  const { customerId, eventId, eventTime, ...overrides } = c;
  const complaint: ComplaintRecorded = {
    complaintId: `K-${eventId}`,
    action: 'OPENED',
    category: 'DELAY',
    severity: 'MEDIUM',
    shipmentId: null,
    satisfactionScore: null,
    npsScore: null,
    ...overrides,
  };
  return {
    ...event(customerId, eventId, eventTime, { 'segmentation.log.ComplaintRecorded': complaint }),
    source: { topic: 'complaints', partition: 0, offset: 0 },
  };
}

export function aProfileEvent(p: { customerId: string; eventId: string; eventTime: number } & Partial<ProfileRecorded>): CustomerEvent {
  const { customerId, eventId, eventTime, ...overrides } = p;
  const profile: ProfileRecorded = {
    industry: 'MANUFACTURING',
    customerType: 'CARGO_OWNER',
    country: 'CN',
    region: 'Yangtze River Delta',
    accountManager: null,
    signedUpAt: eventTime,
    ...overrides,
  };
  return {
    ...event(customerId, eventId, eventTime, { 'segmentation.log.ProfileRecorded': profile }),
    source: { topic: 'profiles', partition: 0, offset: 0 },
  };
}

export const aTick = (partition: number, eventTime: number): CustomerEvent => ({
  eventId: `tick-${partition}-${eventTime}`,
  customerId: '',
  eventTime,
  source: null,
  body: { 'segmentation.log.Tick': { partition } },
});

/** A segment change; its id follows the segmenter's rule customer/dimension/sequence. */
export function aSegmentChange(
  c: Pick<SegmentChange, 'customerId' | 'sequence' | 'fromSegment' | 'toSegment' | 'eventTime'> & Partial<SegmentChange>,
): SegmentChange {
  const dimension = c.dimension ?? 'value_tier';
  return {
    changeId: `${c.customerId}/${dimension}/${c.sequence}`,
    dimension,
    cause: 'event',
    causeEventId: null,
    ruleVersion: 'r1',
    rule: `${dimension}.${c.toSegment}.enter`,
    features: { order_value_365d: 1000 },
    detectedAt: c.eventTime + 1000,
    strategy: 'standard service',
    reasons: [{ condition: 'order_value_365d >= 500', feature: 'order_value_365d', value: 1000, threshold: 500 }],
    flags: [c.toSegment],
    ...c,
  };
}

export function aChurnAlert(a: Pick<ChurnAlert, 'customerId' | 'sequence' | 'level' | 'eventTime'> & Partial<ChurnAlert>): ChurnAlert {
  return {
    alertId: `${a.customerId}/churn/${a.sequence}`,
    previousLevel: null,
    riskScore: 0.5,
    reasons: [{ code: 'order_gap', text: 'No order for 45 days', value: 45 }],
    cause: 'timer',
    causeEventId: null,
    ruleVersion: 'r1',
    valueTier: null,
    detectedAt: a.eventTime + 1000,
    action: 'account manager call',
    episodeId: `${a.customerId}/episode/1`,
    episodeEvent: a.sequence === 1 ? 'opened' : a.level === 'cleared' ? 'closed' : 'escalated',
    ...a,
  };
}

export function aFeatureSnapshot(s: Pick<FeatureSnapshot, 'customerId' | 'eventTime'> & Partial<FeatureSnapshot>): FeatureSnapshot {
  return {
    snapshotId: `${s.customerId}/${s.eventTime}`,
    features: {},
    attributes: { industry: 'MANUFACTURING' },
    segments: {},
    ruleVersion: 'r1',
    detectedAt: s.eventTime + 1000,
    ...s,
  };
}

/** A record of the work on an alert episode (`alert-workflow`); `acknowledged` unless told otherwise. */
export function anAlertWorkflowEvent(e: Pick<AlertWorkflowEvent, 'episodeId' | 'at'> & Partial<AlertWorkflowEvent>): AlertWorkflowEvent {
  const kind = e.kind ?? 'acknowledged';
  return {
    workflowId: `${e.episodeId}/${kind}/${e.at}`,
    customerId: e.episodeId.replace(/\/episode\/\d+$/, ''),
    kind,
    by: 'ops-zhang',
    assignee: kind === 'assigned' ? 'am.li' : null,
    action: kind === 'action_taken' ? 'account manager call' : null,
    recommended: kind === 'action_taken' ? true : null,
    actionAt: kind === 'action_taken' ? e.at : null,
    outcome: kind === 'closed_with_outcome' ? 'retained' : null,
    note: '',
    ...e,
  };
}
