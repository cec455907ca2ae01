import { z } from 'zod';
import { toDateTime64 } from './segment-changes-table.ts';

// Column-shaped zod pieces shared by the row schemas: each says what the ClickHouse column accepts,
// so a bad value is refused here with the field's name instead of deep inside the engine.

/** DateTime64(3, 'UTC') as `YYYY-MM-DD hh:mm:ss.mmm`, within the type's range (1900–2299). */
export const dateTime64Text = z
  .string()
  .regex(/^(19|2[0-2])\d\d-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/, 'expected a time between 1900 and 2299 as YYYY-MM-DD hh:mm:ss.mmm (UTC)');
export const uint32 = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1);
export const uint64 = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const uint8 = z.number().int().min(0).max(255);
/** Decimal(18, 4): 14 digits before the point. */
export const decimal18x4 = z.number().refine((n) => Math.abs(n) < 1e14, 'out of range for Decimal(18, 4)');
export const id = z.string().min(1);

/**
 * Epoch ms as DateTime64 text; an invalid time becomes text the row schema refuses (with the
 * field's name) rather than a RangeError from Date that names nothing.
 */
export const timeText = (ms: number): string => (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? toDateTime64(ms) : `invalid time ${ms}`);

export const nullableTimeText = (ms: number | null): string | null => (ms === null ? null : timeText(ms));

/** Money at the column's scale: the engine would truncate extra digits, this rounds them. */
export const money = (amount: number): number => Math.round(amount * 1e4) / 1e4;
