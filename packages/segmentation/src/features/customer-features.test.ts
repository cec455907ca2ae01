import { describe, expect, it } from 'vitest';
import { aComplaintEvent, anOrderEvent, aProfileEvent, aShipmentEvent, shanghai, type CustomerEvent } from '@segmentation/contracts';
import {
  applyToFeatures,
  calendarFor,
  COMPLAINT_MEMORY,
  emptyFeatures,
  expireFeatures,
  FEATURE_NAMES,
  featureValues,
  profileAttributes,
  type CustomerFeatures,
  type DayField,
  type WeekField,
} from './customer-features.ts';
import { windowSum } from './buckets.ts';
import { CUSTOMER, DAY, heavyHistory, seededRandom, shuffled } from './feature-fixtures.ts';

const T = shanghai('2025-06-02 10:00'); // a Monday
let n = 0;
const eid = (): string => `E-${(n += 1)}`;
const order = (eventTime: number, o: Parameters<typeof anOrderEvent>[0] extends infer P ? Partial<P> : never = {}): CustomerEvent =>
  anOrderEvent({ customerId: CUSTOMER, eventId: eid(), eventTime, ...o });

/** Folds events in the given order with the running maximum as the watermark. */
function fold(events: readonly CustomerEvent[], state: CustomerFeatures = emptyFeatures()): CustomerFeatures {
  let w = state.asOf ?? Number.NEGATIVE_INFINITY;
  return events.reduce((s, e) => applyToFeatures(s, e, (w = Math.max(w, e.eventTime))), state);
}

describe('value features', () => {
  it('counts orders and value in the 7/30/90/365-day windows by event time', () => {
    const s = fold([
      order(T - 400 * DAY),
      order(T - 200 * DAY),
      order(T - 60 * DAY),
      order(T - 20 * DAY),
      order(T - 3 * DAY, { amountBase: 250.5 }),
      order(T),
    ]);
    const f = featureValues(s, T);
    expect([f.orders_7d, f.orders_30d, f.orders_90d, f.orders_365d]).toEqual([2, 3, 4, 5]);
    expect(f.order_value_7d).toBe(1250.5);
    expect(f.lifetime_orders).toBe(6);
    expect(f.lifetime_value).toBe(5250.5);
    expect(f.avg_order_value).toBe(875.08);
    expect(f.repeat_orders).toBe(5);
    expect(f.first_order_at).toBe(T - 400 * DAY);
    expect(f.tenure_days).toBe(400);
  });

  it('places an out-of-order event in its own day', () => {
    const s = fold([order(T), order(T - 10 * DAY)]);
    const f = featureValues(s, T);
    expect([f.orders_7d, f.orders_30d]).toEqual([1, 2]);
    expect(f.last_order_at).toBe(T);
    expect(f.days_since_last_order).toBe(0);
  });

  it('lets an order older than every window update only the lifetime aggregates', () => {
    const before = fold([order(T)]);
    const after = applyToFeatures(before, order(T - 800 * DAY, { amountBase: 99 }), T);
    expect(after.series).toEqual(before.series);
    expect(after.orderDays).toEqual(before.orderDays);
    const f = featureValues(after, T);
    expect(f.orders_365d).toBe(1);
    expect(f.lifetime_orders).toBe(2);
    expect(f.lifetime_value).toBe(1099);
    expect(f.first_order_at).toBe(T - 800 * DAY);
  });

  it('compares the last 30 days with the 60 before, per 30 days, in [-1, 1]', () => {
    const growing = fold([
      order(T - 70 * DAY, { amountBase: 100 }),
      order(T - 40 * DAY, { amountBase: 100 }),
      order(T, { amountBase: 300 }),
    ]);
    expect(featureValues(growing, T).value_trend_30d).toBe(0.6667);
    const stopped = fold([order(T - 70 * DAY)]);
    expect(featureValues(stopped, T).value_trend_30d).toBe(-1);
    expect(featureValues(fold([order(T)]), T).value_trend_30d).toBe(1);
  });
});

describe('behaviour features', () => {
  it('derives recency and the spread of gaps between ordering days', () => {
    const s = fold([order(T - 30 * DAY), order(T - 20 * DAY), order(T - 18 * DAY), order(T - 18 * DAY + 60_000), order(T - 8 * DAY)]);
    const f = featureValues(s, T);
    expect(f.days_since_last_order).toBe(8);
    expect(f.order_gap_mean_days).toBe(5.5); // 22 days over 4 gaps between 5 orders
    expect(f.order_gap_mean_days_365d).toBe(7.3333); // gaps 10, 2, 10 between 4 ordering days
    expect(f.order_gap_stddev_days_365d).toBe(3.7712);
  });

  it('computes return and cancellation rates, service-level and value-added shares over 90 days', () => {
    const s = fold([
      order(T - 100 * DAY, { serviceLevel: 'EXPRESS' }),
      order(T - 5 * DAY, { serviceLevel: 'EXPRESS', valueAddedServices: ['INSURANCE'] }),
      order(T - 4 * DAY, { serviceLevel: 'ECONOMY' }),
      order(T - 3 * DAY),
      order(T - 2 * DAY),
      order(T - DAY, { kind: 'RETURNED' }),
      order(T, { kind: 'CANCELLED' }),
      order(T, { kind: 'CANCELLED' }),
    ]);
    const f = featureValues(s, T);
    expect(f.return_rate_90d).toBe(0.25);
    expect(f.cancellation_rate_90d).toBe(0.5);
    expect([f.share_express_90d, f.share_standard_90d, f.share_economy_90d, f.share_value_added_90d]).toEqual([0.25, 0.5, 0.25, 0.25]);
    expect(f.lifetime_orders).toBe(5);
  });

  it('counts distinct routes exactly while few, and boundedly when many', () => {
    const few = fold([
      order(T, { destinationCountry: 'DE' }),
      order(T, { destinationCountry: 'US' }),
      order(T, { destinationCountry: 'DE' }),
    ]);
    expect(featureValues(few, T).distinct_routes).toBe(2);
    expect(featureValues(few, T).distinct_destination_countries).toBe(2);
    const many = fold(Array.from({ length: 400 }, (_, i) => order(T, { destinationRegion: `R${i}` })));
    expect(many.routes).toHaveLength(32);
    expect(featureValues(many, T).distinct_routes).toBeGreaterThan(250);
    expect(featureValues(many, T).distinct_routes).toBeLessThan(600);
  });
});

describe('service quality and satisfaction', () => {
  const ship = (eventTime: number, status: 'DELIVERED' | 'DELAYED' | 'DAMAGED' | 'LOST', onTime: boolean | null = null): CustomerEvent =>
    aShipmentEvent({ customerId: CUSTOMER, eventId: eid(), eventTime, status, onTime });
  const complaint = (eventTime: number, complaintId: string, c: Partial<Parameters<typeof aComplaintEvent>[0]> = {}): CustomerEvent =>
    aComplaintEvent({ customerId: CUSTOMER, eventId: eid(), eventTime, complaintId, ...c });

  it('counts deliveries, on-time rate and incidents over 30 and 90 days', () => {
    const s = fold([
      ship(T - 60 * DAY, 'DELIVERED', false),
      ship(T - DAY, 'DELIVERED', true),
      ship(T, 'DELIVERED', null),
      ship(T - 40 * DAY, 'LOST'),
      ship(T, 'DELAYED'),
      ship(T, 'DAMAGED'),
    ]);
    const f = featureValues(s, T);
    expect([f.shipments_delivered_30d, f.shipments_delivered_90d]).toEqual([2, 3]);
    expect([f.on_time_rate_30d, f.on_time_rate_90d]).toEqual([1, 0.5]);
    expect([f.shipments_lost_30d, f.shipments_lost_90d, f.shipments_delayed_30d, f.shipments_damaged_90d]).toEqual([0, 1, 1, 1]);
  });

  it('leaves the on-time rate out when no delivery reported whether it was on time', () => {
    const f = featureValues(fold([ship(T - DAY, 'DELIVERED', null), ship(T, 'DELIVERED', null)]), T);
    expect(f.shipments_delivered_30d).toBe(2);
    expect(f.on_time_rate_30d).toBeUndefined();
    expect(f.on_time_rate_90d).toBeUndefined();
  });

  it('pairs openings and resolutions in either order', () => {
    const events = [
      complaint(T - 40 * DAY, 'K1'),
      complaint(T - 38 * DAY, 'K1', { action: 'RESOLVED', satisfactionScore: 4 }),
      complaint(T - 2 * DAY, 'K2'),
      complaint(T - DAY, 'K2', { action: 'ESCALATED' }),
      complaint(T, 'K3', { action: 'RESOLVED', satisfactionScore: 2, npsScore: 6 }),
    ];
    const inOrder = fold(events);
    const reversed = fold([...events].reverse());
    expect(reversed).toEqual(inOrder);
    const f = featureValues(inOrder, T);
    expect([f.complaints_opened_30d, f.complaints_opened_90d]).toEqual([1, 2]);
    expect(f.open_complaints).toBe(1);
    expect(f.complaint_resolution_mean_hours).toBe(48);
    expect(f.satisfaction_score_mean).toBe(3);
    expect(f.nps_latest).toBe(6);
  });

  it('keeps a bounded set of open complaints', () => {
    const s = fold(Array.from({ length: 40 }, (_, i) => complaint(T - (40 - i) * 60_000, `K${i}`)));
    expect(s.complaints).toHaveLength(COMPLAINT_MEMORY);
    expect(featureValues(s, T).open_complaints).toBe(COMPLAINT_MEMORY);
    expect(featureValues(s, T).complaints_opened_30d).toBe(40);
  });

  it('keeps the latest NPS answer by event time, not by arrival', () => {
    const s = fold([
      complaint(T, 'K1', { action: 'RESOLVED', npsScore: 9 }),
      complaint(T - DAY, 'K2', { action: 'RESOLVED', npsScore: 3 }),
    ]);
    expect(featureValues(s, T).nps_latest).toBe(9);
  });
});

describe('profile', () => {
  it('keeps the latest profile by event time and exposes it as attributes', () => {
    const newer = aProfileEvent({
      customerId: CUSTOMER,
      eventId: eid(),
      eventTime: T,
      industry: 'E_COMMERCE',
      accountManager: 'AM-Li',
      region: null,
    });
    const older = aProfileEvent({
      customerId: CUSTOMER,
      eventId: eid(),
      eventTime: T - DAY,
      industry: 'RETAIL',
      signedUpAt: T - 100 * DAY,
    });
    const s = fold([newer, older]);
    expect(profileAttributes(s)).toEqual({ industry: 'E_COMMERCE', customer_type: 'CARGO_OWNER', country: 'CN', account_manager: 'AM-Li' });
    expect(profileAttributes(emptyFeatures())).toEqual({});
  });
});

describe('order of arrival', () => {
  const end = (events: readonly CustomerEvent[]): number => events.at(-1)?.eventTime ?? 0;

  it.each([1, 2, 3, 4, 5])('gives the same windows and aggregates for a fully shuffled history as for the sorted one (seed %i)', (seed) => {
    const sorted = heavyHistory(500, seed);
    const expected = fold(sorted);
    const actual = fold(shuffled(sorted, seededRandom(seed * 101)));
    // Pairing a complaint's opening with its resolution needs both within the bounded complaint
    // memory: exact under the log's real disorder (next test), not under a year of it.
    expect({ ...actual, complaints: [], resolutions: null }).toEqual({ ...expected, complaints: [], resolutions: null });
    const at = end(sorted) + 3 * DAY;
    const windows = Object.fromEntries(
      Object.entries(featureValues(expected, at)).filter(([k]) => k !== 'open_complaints' && k !== 'complaint_resolution_mean_hours'),
    );
    expect(featureValues(actual, at)).toMatchObject(windows);
    expect(windows.orders_365d).toBeGreaterThan(300);
  });

  it.each([1, 2, 3])('gives exactly the same state when events arrive up to two days out of order (seed %i)', (seed) => {
    const sorted = heavyHistory(500, seed);
    const random = seededRandom(seed * 7);
    // Each event is delayed by a random amount of up to two days: bounded disorder, as in live traffic with lagging sources.
    const late = sorted
      .map((e) => ({ e, arrival: e.eventTime + random() * 2 * DAY }))
      .sort((a, b) => a.arrival - b.arrival)
      .map((x) => x.e);
    expect(late).not.toEqual(sorted);
    expect(fold(late)).toEqual(fold(sorted));
  });
});

describe('expiry by the watermark', () => {
  it('lets orders leave the 7-day window when the watermark reaches the start of the eighth business day', () => {
    const s = fold([order(shanghai('2025-06-02 23:59'))]);
    expect(featureValues(s, shanghai('2025-06-08 23:59')).orders_7d).toBe(1);
    expect(featureValues(s, shanghai('2025-06-09 00:00')).orders_7d).toBe(0);
    expect(featureValues(s, shanghai('2025-06-09 00:00')).orders_30d).toBe(1);
  });

  it('never lets a lower watermark move time backwards', () => {
    const s = fold([order(T)]);
    expect(featureValues(s, T - 30 * DAY)).toEqual(featureValues(s, T));
  });
});

describe('FEATURE_NAMES', () => {
  it('lists exactly the names a customer with a full history has', () => {
    const events = heavyHistory(400);
    const f = featureValues(fold(events), Math.max(...events.map((e) => e.eventTime)));
    expect(Object.keys(f).sort()).toEqual([...FEATURE_NAMES].sort());
  });
});

describe('window sums', () => {
  it('agree with the reference windowSum for every window and field', () => {
    const events = heavyHistory(500);
    const end = Math.max(...events.map((e) => e.eventTime));
    const state = fold(events);
    const calendar = calendarFor();
    for (const at of [end, end + 3 * DAY, end + 45 * DAY, end + 200 * DAY]) {
      const f = featureValues(state, at, calendar);
      const series = expireFeatures(state, at, calendar).series;
      const wDay = calendar.dayOf(at);
      for (const days of [7, 30, 90, 365]) {
        expect(f[`orders_${days}d`]).toBe(windowSum<DayField, WeekField>(series, 'ordersPlaced', wDay, days));
        expect(f[`order_value_${days}d`]).toBe(windowSum<DayField, WeekField>(series, 'orderValueCents', wDay, days) / 100);
      }
      for (const days of [30, 90]) {
        expect(f[`complaints_opened_${days}d`]).toBe(windowSum<DayField, WeekField>(series, 'complaintsOpened', wDay, days));
        expect(f[`shipments_lost_${days}d`]).toBe(windowSum<DayField, WeekField>(series, 'lost', wDay, days));
        expect(f[`shipments_delivered_${days}d`]).toBe(windowSum<DayField, WeekField>(series, 'delivered', wDay, days));
      }
    }
  });
});
