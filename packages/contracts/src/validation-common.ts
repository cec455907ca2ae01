import { z } from 'zod';
import { deadLetter, type StepResult } from './dead-letter.ts';
import type { CurrencyTable } from './money.ts';

export interface ValidationContext {
  currencies: CurrencyTable;
  /** Wall-clock now (ms); ingest and import only: the segmenter never reads the wall clock. */
  now: number;
  /** How far (ms) an event time may lie ahead of `now` before it is dead-lettered. */
  maxFutureSkewMs: number;
}

export const country = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as CN');
export const nonEmpty = z.string().trim().min(1, 'must not be empty');
/** Ids become Redis keys, Kafka keys and ClickHouse sort keys: bounded, so a runaway value is refused here. */
export const identifier = nonEmpty.max(128, 'must be at most 128 characters');
/** Free text (regions, channels, names): bounded for the same reason. */
export const freeText = z.string().max(256, 'must be at most 256 characters');
/**
 * The largest order amount taken, in the source currency and again in the base currency: far above
 * any real shipment, far below where the segmenter's integer cents stop being exact.
 */
export const MAX_ORDER_AMOUNT = 10_000_000_000;
export const epochMs = z.number().int().positive();

/** The checks every source record needs: a key equal to its customer id, a valid shape, a sane time. */
export function checkCommon<T extends { customerId: string; eventTime: number }>(
  schema: z.ZodType<T>,
  raw: unknown,
  key: string | null,
  ctx: ValidationContext,
): StepResult<T> {
  if (key === null || key === '') return deadLetter('missing_key', 'the message has no key; the key must be the customer id');
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return deadLetter('invalid_value', `${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  const record = parsed.data;
  if (record.customerId !== key) return deadLetter('invalid_value', `key "${key}" differs from customerId "${record.customerId}"`);
  if (record.eventTime > ctx.now + ctx.maxFutureSkewMs) {
    return deadLetter(
      'future_event_time',
      `eventTime ${new Date(record.eventTime).toISOString()} is more than ${ctx.maxFutureSkewMs} ms ahead of now`,
    );
  }
  return { ok: true, value: record };
}
