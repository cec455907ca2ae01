import { z } from 'zod';
import { deadLetter, ok, type StepResult } from './dead-letter.ts';
import { toBaseCurrency } from './money.ts';
import type { CustomerEvent, Order, SourcePosition } from './records.ts';
import { checkCommon, country, epochMs, freeText, identifier, MAX_ORDER_AMOUNT, type ValidationContext } from './validation-common.ts';

// What Avro cannot say about an order: the zod mirror of schemas/avro/order.avsc.

export const orderSchema = z.object({
  eventId: identifier,
  customerId: identifier,
  orderId: identifier,
  kind: z.enum(['PLACED', 'CANCELLED', 'RETURNED']),
  eventTime: epochMs,
  amount: z.number().finite().nonnegative('must not be negative').max(MAX_ORDER_AMOUNT, `must be at most ${MAX_ORDER_AMOUNT}`),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as CNY'),
  serviceLevel: z.enum(['EXPRESS', 'STANDARD', 'ECONOMY']),
  valueAddedServices: z
    .array(
      z
        .string()
        .max(64)
        .regex(/^[a-z_]+$/, 'must be snake_case, e.g. cold_chain'),
    )
    .max(32, 'at most 32 services'),
  weightKg: z.number().finite().nonnegative().max(1e9, 'must be at most 1e9 kg').nullable(),
  volumeM3: z.number().finite().nonnegative().max(1e7, 'must be at most 1e7 m³').nullable(),
  originCountry: country,
  originRegion: freeText.nullable(),
  destinationCountry: country,
  destinationRegion: freeText.nullable(),
  channel: freeText.nullable(),
});

/**
 * Validates an order from the source topic and normalises it into a `customer-events` record
 * stamped with where it was read, or says why it must be dead-lettered.
 */
export function normaliseOrder(
  raw: Order,
  key: string | null,
  source: SourcePosition | null,
  ctx: ValidationContext,
): StepResult<CustomerEvent> {
  const checked = checkCommon(orderSchema, raw, key, ctx);
  if (!checked.ok) return checked;
  const order = checked.value;
  const amountBase = toBaseCurrency(ctx.currencies, order.amount, order.currency);
  if (amountBase === undefined) return deadLetter('unknown_currency', `no rate for currency ${order.currency}`);
  if (amountBase > MAX_ORDER_AMOUNT)
    return deadLetter(
      'invalid_value',
      `amount: ${order.amount} ${order.currency} is ${amountBase} in the base currency, above the largest order taken (${MAX_ORDER_AMOUNT})`,
    );
  return ok({
    eventId: order.eventId,
    customerId: order.customerId,
    eventTime: order.eventTime,
    source,
    body: {
      'segmentation.log.OrderRecorded': {
        orderId: order.orderId,
        kind: order.kind,
        amount: order.amount,
        currency: order.currency,
        amountBase,
        baseCurrency: ctx.currencies.baseCurrency,
        serviceLevel: order.serviceLevel,
        valueAddedServices: order.valueAddedServices,
        weightKg: order.weightKg,
        volumeM3: order.volumeM3,
        originCountry: order.originCountry,
        originRegion: order.originRegion,
        destinationCountry: order.destinationCountry,
        destinationRegion: order.destinationRegion,
        channel: order.channel,
      },
    },
  });
}
