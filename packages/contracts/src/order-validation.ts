import { z } from 'zod';
import { deadLetter, ok, type StepResult } from './dead-letter.ts';
import { toBaseCurrency, type CurrencyTable } from './money.ts';
import type { CustomerEvent, Order, SourcePosition } from './records.ts';

// What Avro cannot say about an order: the zod mirror of schemas/avro/order.avsc.
const country = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as CN');
const nonEmpty = z.string().trim().min(1, 'must not be empty');

export const orderSchema = z.object({
  eventId: nonEmpty,
  customerId: nonEmpty,
  orderId: nonEmpty,
  kind: z.enum(['PLACED', 'CANCELLED', 'RETURNED']),
  eventTime: z.number().int().positive(),
  amount: z.number().finite().nonnegative('must not be negative'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as CNY'),
  serviceLevel: z.enum(['EXPRESS', 'STANDARD', 'ECONOMY']),
  valueAddedServices: z.array(z.string().regex(/^[a-z_]+$/, 'must be snake_case, e.g. cold_chain')),
  weightKg: z.number().finite().nonnegative().nullable(),
  volumeM3: z.number().finite().nonnegative().nullable(),
  originCountry: country,
  originRegion: z.string().nullable(),
  destinationCountry: country,
  destinationRegion: z.string().nullable(),
  channel: z.string().nullable(),
});

export interface ValidationContext {
  currencies: CurrencyTable;
  /** Wall-clock now (ms); ingest and import only: the segmenter never reads the wall clock. */
  now: number;
  /** How far (ms) an event time may lie ahead of `now` before it is dead-lettered. */
  maxFutureSkewMs: number;
}

/**
 * Validates an order from the source topic and normalises it into a `customer-events` record
 * stamped with where it was read, or says why it must be dead-lettered.
 */
export function normaliseOrder(raw: Order, key: string | null, source: SourcePosition | null, ctx: ValidationContext): StepResult<CustomerEvent> {
  if (key === null || key === '') return deadLetter('missing_key', 'the message has no key; the key must be the customer id');
  const parsed = orderSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return deadLetter('invalid_value', `${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  const order = parsed.data;
  if (order.customerId !== key) return deadLetter('invalid_value', `key "${key}" differs from customerId "${order.customerId}"`);
  if (order.eventTime > ctx.now + ctx.maxFutureSkewMs) {
    return deadLetter('future_event_time', `eventTime ${new Date(order.eventTime).toISOString()} is more than ${ctx.maxFutureSkewMs} ms ahead of now`);
  }
  const amountBase = toBaseCurrency(ctx.currencies, order.amount, order.currency);
  if (amountBase === undefined) return deadLetter('unknown_currency', `no rate for currency ${order.currency}`);
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
