import { describe, expect, it } from 'vitest';
import { probabilityAlive } from './bgnbd.ts';
import { CDNOW_PUBLISHED, seededRandom } from './churn-fixtures.ts';
import { assessChurn, repeatHistoryOf, SERVICE_SIGNALS, type ChurnAssessment, type ChurnSettings, type ServiceSignal } from './churn-risk.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 5, 2, 2);

const WEIGHTS: Record<ServiceSignal, number> = { late_deliveries: 0.25, damage_or_loss: 0.3, complaints: 0.2, open_complaints: 0.15, low_satisfaction: 0.2 };
const settings = (serviceWeights: Partial<Record<ServiceSignal, number>> = {}): ChurnSettings => ({
  timeUnitDays: 7,
  bgnbd: { ...CDNOW_PUBLISHED.params },
  serviceWeights: { ...WEIGHTS, ...serviceWeights },
});

type Features = Record<string, number | undefined>;

/** A customer at NOW: `orders` placed from `activeDays + silentDays` ago to `silentDays` ago, plus any service features. */
function aCustomer({ orders = 0, activeDays = 0, silentDays = 0, ...service }: { orders?: number; activeDays?: number; silentDays?: number } & Features = {}): Features {
  if (orders === 0) return { lifetime_orders: 0, ...service };
  const span = orders === 1 ? 0 : activeDays; // one order is both the first and the last
  return {
    lifetime_orders: orders,
    first_order_at: NOW - (span + silentDays) * DAY,
    last_order_at: NOW - silentDays * DAY,
    days_since_last_order: silentDays,
    ...service,
  };
}

/** Weekly for a year: a frequent buyer. */
const FREQUENT = { orders: 53, activeDays: 364 };
/** Every service signal at its worst. */
const ALL_TROUBLE: Features = {
  shipments_delivered_90d: 20, on_time_rate_90d: 0, shipments_damaged_90d: 3, shipments_lost_90d: 1,
  complaints_opened_30d: 5, open_complaints: 4, satisfaction_score_mean: 1, nps_latest: 0,
};

const assess = (features: Features, s: ChurnSettings = settings()): ChurnAssessment => assessChurn(features, NOW, s);
const sumOfWeights = (a: ChurnAssessment): number => a.drivers.reduce((sum, d) => sum + d.weight, 0);
const expectSortedByWeight = (a: ChurnAssessment): void => {
  for (let i = 1; i < a.drivers.length; i += 1) expect(a.drivers[i - 1]!.weight).toBeGreaterThanOrEqual(a.drivers[i]!.weight);
};

describe('churn risk', () => {
  it('stays in [0, 1], with drivers sorted by weight that add up to the risk (seeded random customers and weights)', () => {
    const random = seededRandom(4242);
    const upTo = (n: number): number => Math.floor(random() * (n + 1));
    for (let i = 0; i < 2000; i += 1) {
      const features = aCustomer({
        orders: random() < 0.1 ? 0 : 1 + upTo(300), activeDays: upTo(900), silentDays: upTo(500),
        shipments_delivered_90d: upTo(40), on_time_rate_90d: random(), shipments_damaged_90d: upTo(4), shipments_lost_90d: upTo(2),
        complaints_opened_30d: upTo(6), open_complaints: upTo(4),
        satisfaction_score_mean: random() < 0.3 ? undefined : 1 + 4 * random(), nps_latest: random() < 0.3 ? undefined : upTo(10),
      });
      const weights = Object.fromEntries(SERVICE_SIGNALS.map((s) => [s, random() < 0.2 ? 0 : random()]));
      const a = assess(features, settings(weights));
      const label = JSON.stringify({ features, weights });
      expect(a.risk, label).toBeGreaterThanOrEqual(0);
      expect(a.risk, label).toBeLessThanOrEqual(1);
      if (a.pAlive !== undefined) expect(a.pAlive >= 0 && a.pAlive <= 1, label).toBe(true);
      expect(new Set(a.drivers.map((d) => d.code)).size, label).toBe(a.drivers.length);
      expect(a.drivers.every((d) => d.weight >= 0), label).toBe(true);
      expectSortedByWeight(a);
      expect(Math.abs(sumOfWeights(a) - a.risk), label).toBeLessThan(1e-3);
    }
  });

  it('with no orders: no P(alive), and the risk is the service signal alone', () => {
    const quiet = assess(aCustomer());
    expect(quiet).toEqual({ risk: 0, pAlive: undefined, drivers: [] });
    const a = assess(aCustomer({ complaints_opened_30d: 1 }));
    expect(a.pAlive).toBeUndefined();
    // One complaint in 30 days is a third of the complaints signal.
    expect(a.risk).toBeCloseTo(WEIGHTS.complaints / 3, 4);
    expect(a.drivers).toEqual([{ code: 'complaints', value: 1, weight: a.risk }]);
  });

  it('with one order (no repeat yet): P(alive) is 1 however long ago, so silence alone adds nothing', () => {
    for (const silentDays of [0, 30, 400]) {
      const a = assess(aCustomer({ orders: 1, silentDays }));
      expect(a, `${silentDays} days silent`).toEqual({ risk: 0, pAlive: 1, drivers: [] });
    }
    expect(assess(aCustomer({ orders: 1, silentDays: 400, open_complaints: 2 })).risk).toBeCloseTo(WEIGHTS.open_complaints, 4);
  });

  it('takes P(alive) from BG/NBD with the history in the configured time unit', () => {
    const a = assess(aCustomer({ ...FREQUENT, silentDays: 60 }));
    const weeks = probabilityAlive(CDNOW_PUBLISHED.params, { x: FREQUENT.orders - 1, tx: FREQUENT.activeDays / 7, T: (FREQUENT.activeDays + 60) / 7 });
    expect(a.pAlive).toBeCloseTo(weeks, 4);
    const inDays = assessChurn(aCustomer({ ...FREQUENT, silentDays: 60 }), NOW, { ...settings(), timeUnitDays: 1 });
    expect(inDays.pAlive).toBeCloseTo(probabilityAlive(CDNOW_PUBLISHED.params, { x: FREQUENT.orders - 1, tx: FREQUENT.activeDays, T: FREQUENT.activeDays + 60 }), 4);
    expect(inDays.pAlive).not.toBeCloseTo(weeks, 2);
  });

  it('is high for a frequent buyer gone silent, with inactivity the main driver', () => {
    const ordering = assess(aCustomer({ ...FREQUENT, silentDays: 3 }));
    const silent = assess(aCustomer({ ...FREQUENT, silentDays: 120 }));
    expect(ordering.risk).toBeLessThan(0.2);
    expect(silent.risk).toBeGreaterThan(0.9);
    expect(silent.drivers).toEqual([{ code: 'inactivity', value: 120, weight: silent.risk }]);
    const alsoDamaged = assess(aCustomer({ ...FREQUENT, silentDays: 120, shipments_damaged_90d: 1 }));
    expect(alsoDamaged.drivers.map((d) => d.code)).toEqual(['inactivity', 'damage_or_loss']);
    expect(alsoDamaged.risk).toBeGreaterThanOrEqual(silent.risk);
  });

  it('rises with service trouble, each signal a driver, split in proportion to its points', () => {
    const base = assess(aCustomer({ ...FREQUENT, silentDays: 2 }));
    const troubled = assess(aCustomer({
      ...FREQUENT, silentDays: 2,
      shipments_delivered_90d: 10, on_time_rate_90d: 0.7, shipments_damaged_90d: 1, open_complaints: 2, satisfaction_score_mean: 3,
    }));
    expect(troubled.risk).toBeGreaterThan(base.risk);
    expect(new Set(troubled.drivers.map((d) => d.code))).toEqual(new Set(['inactivity', 'late_deliveries', 'damage_or_loss', 'open_complaints', 'low_satisfaction']));
    expectSortedByWeight(troubled);
    const weightOf = (code: string): number => troubled.drivers.find((d) => d.code === code)?.weight ?? Number.NaN;
    // Points: damage 0.3 × ½, open complaints 0.15 × 1, late 0.25 × 0.3, low satisfaction 0.2 × ½.
    expect(weightOf('damage_or_loss') / weightOf('open_complaints')).toBeCloseTo((WEIGHTS.damage_or_loss * 0.5) / (WEIGHTS.open_complaints * 1), 2);
    expect(weightOf('late_deliveries') / weightOf('low_satisfaction')).toBeCloseTo((WEIGHTS.late_deliveries * 0.3) / (WEIGHTS.low_satisfaction * 0.5), 2);
    expect(troubled.drivers.find((d) => d.code === 'late_deliveries')?.value).toBeCloseTo(0.3, 4);
  });

  it('adds nothing for a signal weighted zero', () => {
    const customer = aCustomer({ ...FREQUENT, silentDays: 20, ...ALL_TROUBLE });
    const none = assess(customer, settings(Object.fromEntries(SERVICE_SIGNALS.map((s) => [s, 0]))));
    const noTrouble = assess(aCustomer({ ...FREQUENT, silentDays: 20 }));
    expect(none).toEqual(noTrouble);
    expect(none.drivers.map((d) => d.code)).toEqual(['inactivity']);
    for (const signal of SERVICE_SIGNALS) {
      const without = assess(customer, settings({ [signal]: 0 }));
      expect(without.drivers.map((d) => d.code), signal).not.toContain(signal);
      expect(without.risk, signal).toBeLessThanOrEqual(assess(customer).risk);
    }
  });

  it('caps the service part at 1 and still splits exactly the risk between the drivers', () => {
    const a = assess(aCustomer(ALL_TROUBLE), settings(Object.fromEntries(SERVICE_SIGNALS.map((s) => [s, 1]))));
    expect(a.risk).toBe(1);
    expect(a.drivers).toHaveLength(SERVICE_SIGNALS.length);
    expect(sumOfWeights(a)).toBeCloseTo(1, 3);
  });

  it('never lowers the risk for one more damaged or lost shipment (seeded random customers)', () => {
    const random = seededRandom(99);
    for (let i = 0; i < 300; i += 1) {
      const base = aCustomer({
        orders: Math.floor(random() * 60), activeDays: Math.floor(random() * 700), silentDays: Math.floor(random() * 300),
        complaints_opened_30d: Math.floor(random() * 4), open_complaints: Math.floor(random() * 3), satisfaction_score_mean: 1 + 4 * random(),
      });
      let previous = -1;
      for (let damaged = 0; damaged <= 5; damaged += 1) {
        const a = assess({ ...base, shipments_damaged_90d: damaged, shipments_lost_90d: damaged % 2 });
        expect(a.risk, JSON.stringify({ base, damaged })).toBeGreaterThanOrEqual(previous);
        previous = a.risk;
      }
    }
    const before = assess(aCustomer({ ...FREQUENT, silentDays: 2 }));
    expect(assess(aCustomer({ ...FREQUENT, silentDays: 2, shipments_damaged_90d: 1 })).risk).toBeGreaterThan(before.risk);
    expect(assess(aCustomer({ ...FREQUENT, silentDays: 2, shipments_lost_90d: 1 })).risk).toBeGreaterThan(before.risk);
  });

  it('reads lateness only from deliveries that reported their punctuality', () => {
    expect(assess(aCustomer({ shipments_delivered_90d: 3 }))).toEqual({ risk: 0, pAlive: undefined, drivers: [] }); // on_time_rate absent
    expect(assess(aCustomer({ shipments_delivered_90d: 4, on_time_rate_90d: 1 })).risk).toBe(0);
    expect(assess(aCustomer({ shipments_delivered_90d: 4, on_time_rate_90d: 0.5 })).drivers).toEqual([{ code: 'late_deliveries', value: 0.5, weight: expect.closeTo(WEIGHTS.late_deliveries * 0.5, 4) as number }]);
  });

  it('counts low satisfaction from a low mean score or a detractor NPS, not from a promoter', () => {
    expect(assess(aCustomer({ satisfaction_score_mean: 5, nps_latest: 9 })).drivers).toEqual([]);
    expect(assess(aCustomer({ nps_latest: 7 })).drivers).toEqual([]);
    const detractor = assess(aCustomer({ nps_latest: 6 }));
    expect(detractor.drivers.map((d) => [d.code, d.value])).toEqual([['low_satisfaction', 6]]);
    expect(assess(aCustomer({ nps_latest: 0 })).risk).toBeGreaterThan(detractor.risk);
    expect(assess(aCustomer({ satisfaction_score_mean: 1 })).risk).toBeCloseTo(WEIGHTS.low_satisfaction, 4);
    expect(assess(aCustomer({ satisfaction_score_mean: 3 })).risk).toBeCloseTo(WEIGHTS.low_satisfaction / 2, 4);
  });
});

describe('repeatHistoryOf', () => {
  it('turns an order history into repeat purchases, last-purchase time and age in the time unit', () => {
    const week = 7 * 86_400_000;
    expect(repeatHistoryOf(5, 0, 3 * week, 10 * week, 7)).toEqual({ x: 4, tx: 3, T: 10 });
    expect(repeatHistoryOf(1, week, week, 2 * week, 7)).toEqual({ x: 0, tx: 0, T: 1 });
  });
});
