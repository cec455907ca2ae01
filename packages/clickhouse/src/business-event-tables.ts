import { z } from 'zod';
import { bodyOf, type CustomerEvent } from '@segmentation/contracts';
import { dateTime64Text, decimal18x4, id, money, nullableTimeText, timeText, uint32, uint64, uint8 } from './row-values.ts';
import type { TableRow } from './table-row.ts';

// Rows of the raw business-event tables (schemas/clickhouse/002_business_events.sql): one per
// `customer-events` record, with its log position and, when present, its source position.

/** Where a record sits in `customer-events`. */
export interface LogPosition {
  partition: number;
  offset: number;
}

const provenance = {
  event_id: id,
  customer_id: id,
  event_time: dateTime64Text,
  log_partition: uint32,
  log_offset: uint64,
  source_topic: z.string().min(1).nullable(),
  source_partition: uint32.nullable(),
  source_offset: uint64.nullable(),
};

export const orderRowSchema = z.strictObject({
  ...provenance,
  order_id: id,
  kind: z.enum(['PLACED', 'CANCELLED', 'RETURNED']),
  amount: decimal18x4,
  currency: z.string().min(1),
  amount_base: decimal18x4,
  base_currency: z.string().min(1),
  service_level: z.string().min(1),
  value_added_services: z.array(z.string()),
  weight_kg: z.number().nullable(),
  volume_m3: z.number().nullable(),
  origin_country: z.string(),
  origin_region: z.string().nullable(),
  destination_country: z.string(),
  destination_region: z.string().nullable(),
  channel: z.string().nullable(),
});

export const shipmentRowSchema = z.strictObject({
  ...provenance,
  shipment_id: id,
  order_id: z.string().nullable(),
  status: z.string().min(1),
  transport_mode: z.string().min(1),
  promised_delivery_time: dateTime64Text.nullable(),
  actual_delivery_time: dateTime64Text.nullable(),
  on_time: z.boolean().nullable(),
  port: z.string().nullable(),
  origin_country: z.string().nullable(),
  destination_country: z.string().nullable(),
});

export const complaintRowSchema = z.strictObject({
  ...provenance,
  complaint_id: id,
  action: z.string().min(1),
  category: z.string().min(1),
  severity: z.string().min(1),
  shipment_id: z.string().nullable(),
  satisfaction_score: uint8.nullable(),
  nps_score: uint8.nullable(),
});

export const customerProfileRowSchema = z.strictObject({
  ...provenance,
  industry: z.string().min(1),
  customer_type: z.string().min(1),
  country: z.string(),
  region: z.string().nullable(),
  account_manager: z.string().nullable(),
  signed_up_at: dateTime64Text,
});

export type OrderRow = z.infer<typeof orderRowSchema>;
export type ShipmentRow = z.infer<typeof shipmentRowSchema>;
export type ComplaintRow = z.infer<typeof complaintRowSchema>;
export type CustomerProfileRow = z.infer<typeof customerProfileRowSchema>;

/**
 * The rows one `customer-events` record becomes: one row in the table of its kind, none for a
 * tick or a rules control record (they move the log's clock or its rules; they are no business
 * fact). Rows are validated by insertRows, so a bad value is reported there with the table and field.
 */
export function rowsForCustomerEvent(event: CustomerEvent, position: LogPosition): TableRow[] {
  const common = {
    event_id: event.eventId,
    customer_id: event.customerId,
    event_time: timeText(event.eventTime),
    log_partition: position.partition,
    log_offset: position.offset,
    source_topic: event.source?.topic ?? null,
    source_partition: event.source?.partition ?? null,
    source_offset: event.source?.offset ?? null,
  };
  const body = bodyOf(event);
  switch (body.kind) {
    case 'order': {
      const o = body.order;
      const row: OrderRow = {
        ...common,
        order_id: o.orderId,
        kind: o.kind,
        amount: money(o.amount),
        currency: o.currency,
        amount_base: money(o.amountBase),
        base_currency: o.baseCurrency,
        service_level: o.serviceLevel,
        value_added_services: o.valueAddedServices,
        weight_kg: o.weightKg,
        volume_m3: o.volumeM3,
        origin_country: o.originCountry,
        origin_region: o.originRegion,
        destination_country: o.destinationCountry,
        destination_region: o.destinationRegion,
        channel: o.channel,
      };
      return [{ table: 'orders', row }];
    }
    case 'shipment': {
      const s = body.shipment;
      const row: ShipmentRow = {
        ...common,
        shipment_id: s.shipmentId,
        order_id: s.orderId,
        status: s.status,
        transport_mode: s.transportMode,
        promised_delivery_time: nullableTimeText(s.promisedDeliveryTime),
        actual_delivery_time: nullableTimeText(s.actualDeliveryTime),
        on_time: s.onTime,
        port: s.port,
        origin_country: s.originCountry,
        destination_country: s.destinationCountry,
      };
      return [{ table: 'shipments', row }];
    }
    case 'complaint': {
      const c = body.complaint;
      const row: ComplaintRow = {
        ...common,
        complaint_id: c.complaintId,
        action: c.action,
        category: c.category,
        severity: c.severity,
        shipment_id: c.shipmentId,
        satisfaction_score: c.satisfactionScore,
        nps_score: c.npsScore,
      };
      return [{ table: 'complaints', row }];
    }
    case 'profile': {
      const p = body.profile;
      const row: CustomerProfileRow = {
        ...common,
        industry: p.industry,
        customer_type: p.customerType,
        country: p.country,
        region: p.region,
        account_manager: p.accountManager,
        signed_up_at: timeText(p.signedUpAt),
      };
      return [{ table: 'customer_profiles', row }];
    }
    case 'tick':
    case 'rules': // the rules versions reach ClickHouse from their registry topic
      return [];
  }
}
