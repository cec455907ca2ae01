import { describe, expect, it } from 'vitest';
import { DAY_FIELDS, featureValues, type DayField } from './customer-features.ts';
import { emptyRecord, type CustomerRecord } from './feature-record.ts';
import { DAY, foldRecord, heavyHistory } from './feature-fixtures.ts';
import { nextEvaluationTime } from './next-evaluation.ts';
import { decodeRecord, encodeRecord } from './state-codec.ts';

/** The budget for a heavy customer's whole record (features, offsets, event-id memory, memberships). */
const HEAVY_CUSTOMER_BUDGET_BYTES = 2304;

/** A customer's record after `days` of heavy history, with memberships and its timer, as the segmenter would store it. */
function heavyRecord(days: number, seed = 7): CustomerRecord {
  const record = foldRecord(heavyHistory(days, seed));
  const asOf = record.features.asOf ?? 0;
  return {
    ...record,
    memberships: {
      value_tier: { segment: 'high', sequence: 12, rule: 'value_tier.high.enter', since: asOf - 40 * DAY },
      lifecycle: { segment: 'active', sequence: 3, rule: 'lifecycle.active.enter', since: asOf - 300 * DAY },
      rfm: { segment: 'important_value', sequence: 5, rule: 'rfm.r_high.f_high.m_high', since: asOf - 10 * DAY },
    },
    nextEvaluationAt: nextEvaluationTime(record.features, asOf),
  };
}

/** LEB128 of a non-negative integer, as the codec writes it. */
function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

describe('state codec', () => {
  it('decodes a record stored by format 1 (before the ordering weeks), rebuilding its weeks from its days', () => {
    const week = 2900; // ISO week of late 2025
    const days = [week * 7 - 3, week * 7 - 1, week * 7 + 2]; // Monday, Wednesday, Saturday of that week
    const record: CustomerRecord = {
      ...emptyRecord(),
      lastLogOffset: 41,
      features: {
        ...emptyRecord().features,
        asOf: (days[2]! + 1) * DAY,
        orderDays: days,
        orderWeeks: [week],
        lifetime: { orders: 3, valueCents: 90_000, firstOrderAt: days[0]! * DAY, lastOrderAt: days[2]! * DAY },
      },
    };
    const format2 = [...encodeRecord(record)];
    expect(format2[0]).toBe(2);
    // Format 1 is format 2 without the ordering weeks' list: count 1, the week (zigzag), no deltas.
    const weeks = [1, ...varint(week * 2), 0];
    const at = format2.findIndex((_, i) => weeks.every((b, k) => format2[i + k] === b));
    expect(at).toBeGreaterThan(0);
    expect(format2.findIndex((_, i) => i > at && weeks.every((b, k) => format2[i + k] === b))).toBe(-1);
    const format1 = Uint8Array.from([1, ...format2.slice(1, at), ...format2.slice(at + weeks.length)]);
    expect(decodeRecord(format1)).toEqual(record);
  });

  it('round-trips an empty record', () => {
    expect(decodeRecord(encodeRecord(emptyRecord()))).toEqual(emptyRecord());
  });

  it.each([30, 365, 1000])('round-trips the record of %i days of heavy history exactly', (days) => {
    const record = heavyRecord(days);
    const decoded = decodeRecord(encodeRecord(record));
    expect(decoded).toEqual(record);
    const at = (record.features.asOf ?? 0) + 5 * DAY;
    expect(featureValues(decoded.features, at)).toEqual(featureValues(record.features, at));
  });

  it('round-trips large offsets, unicode strings and times before the watermark', () => {
    const base = heavyRecord(10);
    const record: CustomerRecord = {
      ...base,
      lastLogOffset: 2 ** 45 + 3,
      appliedSources: { 'orders:11': 2 ** 40, 'profiles:0': 0 },
      memberships: { 行业: { segment: '重要价值客户', sequence: 1, rule: 'r', since: 0 } },
      features: {
        ...base.features,
        profile: base.features.profile && { ...base.features.profile, accountManager: '李经理', region: null, signedUpAt: 86_400_000 },
      },
    };
    expect(decodeRecord(encodeRecord(record))).toEqual(record);
  });

  it(`keeps a heavy customer with a year of history under ${HEAVY_CUSTOMER_BUDGET_BYTES} bytes`, () => {
    const record = heavyRecord(365);
    expect(record.features.series.days).toHaveLength(90);
    expect(record.recentEvents).toHaveLength(32);
    expect(encodeRecord(record).length).toBeLessThanOrEqual(HEAVY_CUSTOMER_BUDGET_BYTES);
    expect(encodeRecord(record).length).toBeLessThan(JSON.stringify(record).length / 8);
  });

  it('stays within the same budget after ten years of daily orders: memory is bounded by the windows, not the history', () => {
    const tenYears = heavyRecord(3650, 11);
    expect(tenYears.features.lifetime.orders).toBeGreaterThan(5000);
    expect(tenYears.features.series.weeks.length).toBeLessThanOrEqual(41);
    expect(tenYears.features.orderDays.length).toBeLessThanOrEqual(365);
    expect(encodeRecord(tenYears).length).toBeLessThanOrEqual(HEAVY_CUSTOMER_BUDGET_BYTES);
  });

  it('refuses a truncated record, trailing bytes and an unknown format', () => {
    const bytes = encodeRecord(heavyRecord(20));
    expect(() => decodeRecord(bytes.subarray(0, bytes.length - 3))).toThrow(RangeError);
    expect(() => decodeRecord(Uint8Array.from([...bytes, 0]))).toThrow(RangeError);
    expect(() => decodeRecord(Uint8Array.from([99, ...bytes.subarray(1)]))).toThrow(/unknown customer record format/);
  });
});

describe('day buckets', () => {
  it('keep every field in its place, however long the strings around them', () => {
    const record = emptyRecord();
    const counts = Object.fromEntries(DAY_FIELDS.map((f, i) => [f, (i + 1) * 1000 + i])) as Record<DayField, number>;
    record.features = {
      ...record.features,
      asOf: DAY * 20_000,
      series: {
        days: [
          { day: 19_999, counts },
          { day: 20_000, counts: { ...counts, lost: 0 } },
        ],
        weeks: [],
      },
    };
    record.memberships = { value_tier: { segment: 'high', sequence: 1, rule: `value_tier.high.${'x'.repeat(300)}`, since: DAY * 19_000 } };
    expect(decodeRecord(encodeRecord(record))).toEqual(record);
  });
});
