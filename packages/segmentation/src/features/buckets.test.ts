import { describe, expect, it } from 'vitest';
import { shanghai } from '@segmentation/contracts';
import {
  addToSeries,
  createBusinessCalendar,
  emptySeries,
  expireSeries,
  weekFirstDay,
  weekLastDay,
  weekOfDay,
  windowSum,
  type BucketSeries,
  type SeriesShape,
} from './buckets.ts';

type F = 'orders' | 'value' | 'complaints';
type G = 'orders' | 'value';
const shape: SeriesShape<F, G> = { dayFields: ['orders', 'value', 'complaints'], weekFields: ['orders', 'value'] };
const HOUR = 3_600_000;

const shanghaiCalendar = createBusinessCalendar('Asia/Shanghai');
const berlin = createBusinessCalendar('Europe/Berlin');

/** A series with one order on each of the given days, all added at watermark day `w`. */
function ordersOn(days: number[], w: number): BucketSeries<F, G> {
  return days.reduce((s, d) => addToSeries(s, d, { orders: 1, value: 10 }, w, shape), emptySeries<F, G>());
}

describe('business calendar', () => {
  it('puts 23:59 and 00:01 Shanghai time on different days, though they share a UTC day', () => {
    const late = shanghai('2025-03-01 23:59');
    const early = shanghai('2025-03-02 00:01');
    expect(new Date(late).getUTCDate()).toBe(new Date(early).getUTCDate());
    expect(shanghaiCalendar.dayOf(early)).toBe(shanghaiCalendar.dayOf(late) + 1);
    expect(shanghaiCalendar.dayOf(late)).toBe(Date.UTC(2025, 2, 1) / 86_400_000);
  });

  it('starts a Shanghai day at local midnight (16:00 UTC the day before)', () => {
    const day = shanghaiCalendar.dayOf(shanghai('2025-03-02 12:00'));
    expect(shanghaiCalendar.startOfDay(day)).toBe(shanghai('2025-03-02 00:00'));
    expect(shanghaiCalendar.startOfDay(day)).toBe(Date.UTC(2025, 2, 1, 16, 0));
  });

  it('gives Berlin a 23-hour day in spring and a 25-hour day in autumn', () => {
    const spring = berlin.dayOf(Date.UTC(2025, 2, 30, 12));
    const autumn = berlin.dayOf(Date.UTC(2025, 9, 26, 12));
    expect(berlin.startOfDay(spring + 1) - berlin.startOfDay(spring)).toBe(23 * HOUR);
    expect(berlin.startOfDay(autumn + 1) - berlin.startOfDay(autumn)).toBe(25 * HOUR);
    // 00:30 on 30 March in Berlin (CET, UTC+1) is still 29 March in UTC.
    expect(berlin.dayOf(Date.UTC(2025, 2, 29, 23, 30))).toBe(spring);
    expect(berlin.dayOf(Date.UTC(2025, 2, 29, 22, 59))).toBe(spring - 1);
  });

  it('starts a day whose midnight is skipped (Santiago, September 2024) at its first instant, 01:00', () => {
    const santiago = createBusinessCalendar('America/Santiago');
    const day = Date.UTC(2024, 8, 8) / 86_400_000;
    expect(santiago.startOfDay(day)).toBe(Date.UTC(2024, 8, 8, 4, 0));
    expect(santiago.dayOf(Date.UTC(2024, 8, 8, 4, 0) - 1)).toBe(day - 1);
  });

  it('refuses an unknown time zone', () => {
    expect(() => createBusinessCalendar('Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('ISO weeks of business days', () => {
  it('start on Monday', () => {
    const monday = Date.UTC(2025, 0, 6) / 86_400_000;
    expect(weekOfDay(monday)).toBe(weekOfDay(monday - 1) + 1);
    expect(weekOfDay(monday + 6)).toBe(weekOfDay(monday));
    expect(weekFirstDay(weekOfDay(monday + 3))).toBe(monday);
    expect(weekLastDay(weekOfDay(monday))).toBe(monday + 6);
  });
});

describe('window sums at their edges', () => {
  const w = 20_000; // watermark day

  it.each([
    [7, w - 6, 1],
    [7, w - 7, 0],
    [30, w - 29, 1],
    [30, w - 30, 0],
    [90, w - 89, 1],
    [90, w - 90, 0],
  ])('an order on day W-%#: in the %i-day window is %i', (days, day, expected) => {
    expect(windowSum(ordersOn([day], w), 'orders', w, days)).toBe(expected);
  });

  it('includes the watermark day itself', () => {
    expect(windowSum(ordersOn([w], w), 'orders', w, 7)).toBe(1);
  });

  it('counts a week in the 365-day window while any of its days is inside it', () => {
    const lastDayInside = w - 364;
    const weekInside = weekOfDay(lastDayInside);
    // The oldest day of that week may be up to 6 days older than the window: the documented error bound.
    const s = ordersOn([weekFirstDay(weekInside), weekLastDay(weekInside - 1)], w);
    expect(windowSum(s, 'orders', w, 365)).toBe(1);
    expect(s.weeks.map((x) => x.week)).toEqual([weekInside]);
  });

  it('sums day and week buckets in the 365-day window without counting any day twice', () => {
    const days = [w, w - 50, w - 89, w - 90, w - 91, w - 200, w - 300, w - 355];
    const s = ordersOn(days, w);
    expect(s.days.map((b) => b.day)).toEqual([w - 89, w - 50, w]);
    expect(windowSum(s, 'orders', w, 365)).toBe(days.length);
    expect(windowSum(s, 'value', w, 365)).toBe(10 * days.length);
    expect(windowSum(s, 'orders', w, 90)).toBe(3);
  });
});

describe('placing events by the watermark', () => {
  const w = 20_000;

  it('puts an out-of-order event in its own day, keeping days sorted', () => {
    const s = ordersOn([w, w - 10, w - 3, w - 10], w);
    expect(s.days.map((b) => [b.day, b.counts.orders])).toEqual([
      [w - 10, 2],
      [w - 3, 1],
      [w, 1],
    ]);
  });

  it('keeps only the week fields of an event older than the day buckets', () => {
    const s = addToSeries(emptySeries<F, G>(), w - 120, { orders: 1, value: 5, complaints: 1 }, w, shape);
    expect(s.days).toEqual([]);
    expect(s.weeks).toEqual([{ week: weekOfDay(w - 120), counts: { orders: 1, value: 5 } }]);
  });

  it('leaves the buckets alone for an event older than every window', () => {
    const start = ordersOn([w - 1], w);
    const old = weekFirstDay(weekOfDay(w - 364)) - 1;
    expect(addToSeries(start, old, { orders: 1 }, w, shape)).toEqual(start);
  });

  it('refuses an event after the watermark: the caller must move the watermark first', () => {
    expect(() => addToSeries(emptySeries<F, G>(), w + 1, { orders: 1 }, w, shape)).toThrow(RangeError);
  });
});

describe('expiry by the watermark', () => {
  const w = 20_000;

  it('folds days older than 90 into their week and drops weeks that left the longest window', () => {
    const s = ordersOn([w - 80, w - 85], w);
    const later = expireSeries(s, w + 20, shape);
    expect(later.days.map((b) => b.day)).toEqual([]);
    expect(later.weeks.reduce((a, b) => a + b.counts.orders, 0)).toBe(2);
    expect(windowSum(later, 'orders', w + 20, 365)).toBe(2);
    const gone = expireSeries(later, w + 400, shape);
    expect(gone).toEqual({ days: [], weeks: [] });
  });

  it('gives the same series whether expired in steps or at once', () => {
    const s = ordersOn([w - 300, w - 200, w - 100, w - 60, w - 30, w - 1, w], w);
    const stepped = [w + 10, w + 45, w + 100, w + 200].reduce((acc, day) => expireSeries(acc, day, shape), s);
    expect(stepped).toEqual(expireSeries(s, w + 200, shape));
  });
});
