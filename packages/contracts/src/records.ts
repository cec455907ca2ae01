// TypeScript shapes of the Avro records (schemas/avro). Times are epoch milliseconds.
// Unions of several records are wrapped by their full name, as avsc decodes them.

export type OrderKind = 'PLACED' | 'CANCELLED' | 'RETURNED';
export type ServiceLevel = 'EXPRESS' | 'STANDARD' | 'ECONOMY';

export interface Order {
  eventId: string;
  customerId: string;
  orderId: string;
  kind: OrderKind;
  eventTime: number;
  amount: number;
  currency: string;
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

export type CustomerEventBody =
  | { 'segmentation.log.OrderRecorded': OrderRecorded }
  | { 'segmentation.log.Tick': { partition: number } };

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
  cause: 'event' | 'timer' | 'rules_changed';
  causeEventId: string | null;
  ruleVersion: string;
  rule: string;
  features: Record<string, number>;
  eventTime: number;
  detectedAt: number;
}

export function orderOf(event: CustomerEvent): OrderRecorded | undefined {
  return 'segmentation.log.OrderRecorded' in event.body ? event.body['segmentation.log.OrderRecorded'] : undefined;
}
