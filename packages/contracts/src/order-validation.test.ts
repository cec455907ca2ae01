import { describe, it, expect } from 'vitest';
import { anOrder } from './builders.ts';
import type { StepResult } from './dead-letter.ts';
import { parseRates } from './money.ts';
import { normaliseOrder } from './order-validation.ts';
import { MAX_ORDER_AMOUNT, type ValidationContext } from './validation-common.ts';
import type { CustomerEvent, Order, SourcePosition } from './records.ts';

const NOW = Date.UTC(2025, 2, 3, 9, 30, 0);
const SKEW_MS = 300_000;
const ctx: ValidationContext = { currencies: parseRates('CNY', 'USD=7.1,EUR=7.7'), now: NOW, maxFutureSkewMs: SKEW_MS };
const source: SourcePosition = { topic: 'orders', partition: 3, offset: 1207 };

/** An order of the default customer, placed a minute before `NOW`. */
const order = (overrides: Partial<Order> = {}): Order => anOrder({ customerId: 'C-SH-001', eventTime: NOW - 60_000, ...overrides });

const normalise = (raw: Order, key: string | null = raw.customerId, from: SourcePosition | null = source) =>
  normaliseOrder(raw, key, from, ctx);

function accepted(result: StepResult<CustomerEvent>): CustomerEvent {
  if (!result.ok) throw new Error(`expected the order to be accepted, got ${result.reason}: ${result.message}`);
  return result.value;
}

function refusal(result: StepResult<CustomerEvent>): { reason: string; message: string } {
  if (result.ok) throw new Error('expected the order to be dead-lettered, but it was accepted');
  return { reason: result.reason, message: result.message };
}

describe('normaliseOrder', () => {
  describe('values no real order has', () => {
    it('refuses an amount above the largest order taken, in the source currency or once converted', () => {
      expect(accepted(normalise(order({ amount: MAX_ORDER_AMOUNT, currency: 'CNY' }))).eventId).toBeTruthy();
      expect(refusal(normalise(order({ amount: 1e300 })))).toMatchObject({
        reason: 'invalid_value',
        message: expect.stringContaining('amount') as unknown,
      });
      const converted = refusal(normalise(order({ amount: MAX_ORDER_AMOUNT / 2, currency: 'USD' })));
      expect(converted).toMatchObject({ reason: 'invalid_value', message: expect.stringContaining('in the base currency') as unknown });
    });

    it('refuses ids longer than 128 characters and free text longer than 256', () => {
      expect(accepted(normalise(order({ orderId: 'O'.repeat(128), channel: 'c'.repeat(256) }))).eventId).toBeTruthy();
      expect(refusal(normalise(order({ orderId: 'O'.repeat(129) })))).toMatchObject({
        reason: 'invalid_value',
        message: expect.stringMatching(/^orderId: must be at most 128/) as unknown,
      });
      const longCustomer = 'C'.repeat(129);
      expect(refusal(normalise(order({ customerId: longCustomer }), longCustomer)).message).toMatch(/^customerId: must be at most 128/);
      expect(refusal(normalise(order({ channel: 'c'.repeat(257) }))).message).toMatch(/^channel: must be at most 256/);
    });
  });

  describe('a valid order', () => {
    it('becomes an OrderRecorded customer event stamped with where it was read', () => {
      const raw = order({ eventId: 'E-1', orderId: 'O-1', amount: 1000, currency: 'CNY', valueAddedServices: ['cold_chain'] });
      expect(accepted(normalise(raw))).toEqual({
        eventId: 'E-1',
        customerId: 'C-SH-001',
        eventTime: NOW - 60_000,
        source: { topic: 'orders', partition: 3, offset: 1207 },
        body: {
          'segmentation.log.OrderRecorded': {
            orderId: 'O-1',
            kind: 'PLACED',
            amount: 1000,
            currency: 'CNY',
            amountBase: 1000,
            baseCurrency: 'CNY',
            serviceLevel: raw.serviceLevel,
            valueAddedServices: ['cold_chain'],
            weightKg: raw.weightKg,
            volumeM3: raw.volumeM3,
            originCountry: raw.originCountry,
            originRegion: raw.originRegion,
            destinationCountry: raw.destinationCountry,
            destinationRegion: raw.destinationRegion,
            channel: raw.channel,
          },
        },
      });
    });

    it('converts the amount to the base currency and keeps the original amount and currency', () => {
      const body = accepted(normalise(order({ amount: 250.5, currency: 'USD' }))).body;
      expect(body).toMatchObject({
        'segmentation.log.OrderRecorded': { amount: 250.5, currency: 'USD', amountBase: 1778.55, baseCurrency: 'CNY' },
      });
    });

    it('keeps a missing source position as null', () => {
      expect(accepted(normalise(order(), 'C-SH-001', null)).source).toBeNull();
    });
  });

  describe('dead-letter reasons', () => {
    it.each([null, ''])('missing_key when the key is %j', (key) => {
      expect(refusal(normalise(order(), key)).reason).toBe('missing_key');
    });

    it('invalid_value for a negative amount, naming the field', () => {
      expect(refusal(normalise(order({ amount: -5 })))).toEqual({
        reason: 'invalid_value',
        message: expect.stringContaining('amount') as string,
      });
    });

    it.each<[string, Partial<Order>, string]>([
      ['an origin country that is not an ISO code', { originCountry: 'China' }, 'originCountry'],
      ['a lower-case destination country', { destinationCountry: 'de' }, 'destinationCountry'],
      ['a lower-case currency', { currency: 'usd' }, 'currency'],
      ['a currency that is not three letters', { currency: 'US$' }, 'currency'],
      ['a blank order id', { orderId: '  ' }, 'orderId'],
      ['a value-added service not in snake_case', { valueAddedServices: ['Cold Chain'] }, 'valueAddedServices'],
    ])('invalid_value for %s, naming the field', (_what, overrides, field) => {
      const { reason, message } = refusal(normalise(order(overrides)));
      expect(reason).toBe('invalid_value');
      expect(message.startsWith(field)).toBe(true);
    });

    it('invalid_value when the key is not the customer id, naming both', () => {
      const { reason, message } = refusal(normalise(order({ customerId: 'C-SH-001' }), 'C-NB-002'));
      expect(reason).toBe('invalid_value');
      expect(message).toContain('C-NB-002');
      expect(message).toContain('C-SH-001');
    });

    it('unknown_currency for a well-formed currency the rate table lacks', () => {
      expect(refusal(normalise(order({ currency: 'BRL' })))).toEqual({
        reason: 'unknown_currency',
        message: expect.stringContaining('BRL') as string,
      });
    });

    it('future_event_time for an event further ahead of now than the allowed skew', () => {
      expect(refusal(normalise(order({ eventTime: NOW + SKEW_MS + 1 }))).reason).toBe('future_event_time');
    });

    it.each([NOW + SKEW_MS, NOW + SKEW_MS - 1, NOW])('accepts an event time within the skew (%d)', (eventTime) => {
      expect(accepted(normalise(order({ eventTime }))).eventTime).toBe(eventTime);
    });
  });
});
