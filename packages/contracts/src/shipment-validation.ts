import { z } from 'zod';
import { deadLetter, ok, type StepResult } from './dead-letter.ts';
import type { CustomerEvent, Shipment, SourcePosition } from './records.ts';
import { checkCommon, country, epochMs, identifier, type ValidationContext } from './validation-common.ts';

// What Avro cannot say about a shipment: the zod mirror of schemas/avro/shipment.avsc.
export const shipmentSchema = z.object({
  eventId: identifier,
  customerId: identifier,
  shipmentId: identifier,
  orderId: identifier.nullable(),
  status: z.enum(['PICKED_UP', 'IN_TRANSIT', 'DELIVERED', 'DELAYED', 'DAMAGED', 'LOST', 'RETURNED']),
  transportMode: z.enum(['ROAD', 'SEA', 'AIR', 'RAIL']),
  eventTime: epochMs,
  promisedDeliveryTime: epochMs.nullable(),
  actualDeliveryTime: epochMs.nullable(),
  port: z
    .string()
    .regex(/^[A-Z]{2}[A-Z2-9]{3}$/, 'must be a UN/LOCODE such as CNSHA')
    .nullable(),
  originCountry: country.nullable(),
  destinationCountry: country.nullable(),
});

/** Validates a shipment event and normalises it into a `customer-events` record, or says why not. */
export function normaliseShipment(
  raw: Shipment,
  key: string | null,
  source: SourcePosition | null,
  ctx: ValidationContext,
): StepResult<CustomerEvent> {
  const checked = checkCommon(shipmentSchema, raw, key, ctx);
  if (!checked.ok) return checked;
  const s = checked.value;
  if (s.status === 'DELIVERED' && s.actualDeliveryTime === null)
    return deadLetter('invalid_value', 'actualDeliveryTime: a DELIVERED shipment needs its delivery time');
  if (s.actualDeliveryTime !== null && s.actualDeliveryTime > s.eventTime) {
    return deadLetter('invalid_value', 'actualDeliveryTime: lies after the event that reports it');
  }
  const onTime =
    s.status === 'DELIVERED' && s.promisedDeliveryTime !== null && s.actualDeliveryTime !== null
      ? s.actualDeliveryTime <= s.promisedDeliveryTime
      : null;
  return ok({
    eventId: s.eventId,
    customerId: s.customerId,
    eventTime: s.eventTime,
    source,
    body: {
      'segmentation.log.ShipmentRecorded': {
        shipmentId: s.shipmentId,
        orderId: s.orderId,
        status: s.status,
        transportMode: s.transportMode,
        promisedDeliveryTime: s.promisedDeliveryTime,
        actualDeliveryTime: s.actualDeliveryTime,
        onTime,
        port: s.port,
        originCountry: s.originCountry,
        destinationCountry: s.destinationCountry,
      },
    },
  });
}
