import { describe, expect, it } from 'vitest';
import type { CadenceSettings } from './cadence.ts';
import { assessChurn, churnInputs, MODEL_SIGNALS, timeRiskReaches, type ChurnModel, type SignalValues } from './churn-model.ts';
import { emptyFeatures, type CustomerFeatures } from '../features/customer-features.ts';

const DAY = 86_400_000;
const dayOf = (ms: number) => Math.floor(ms / DAY);
const SETTINGS: CadenceSettings = { prior: { r: 1, alpha: 20 }, halfLifeDays: 180, trendHalfLifeDays: 45, lulls: [], pauseActivity: 0.1 };
const zero = Object.fromEntries(MODEL_SIGNALS.map((k) => [k, 0])) as SignalValues;
const MODEL: ChurnModel = {
  intercept: -4,
  coefficients: { ...zero, silence_surprise: 0.2, silence_gaps: 1.5, silence_typical_gaps: 0.5, damage_loss_share: 3, order_trend: -0.5 },
  horizon: { min_days: 90, gaps: 3, max_days: 365 },
};

/** A customer ordering every `gap` days, `count` times, the last order at `last`. */
function weekly(last: number, gap = 7, count = 30): CustomerFeatures {
  const days = Array.from({ length: count }, (_, i) => dayOf(last) - (count - 1 - i) * gap);
  return {
    ...emptyFeatures(),
    asOf: last,
    orderDays: days,
    orderWeeks: [...new Set(days.map((d) => Math.floor((d + 3) / 7)))],
    lifetime: { orders: count, valueCents: 100_000 * count, firstOrderAt: days[0]! * DAY, lastOrderAt: last },
  };
}

const T = 20_000 * DAY + 3_600_000;

describe('the churn risk', () => {
  it('rises with the silence, names it as inactivity once, and is 1 when the silence lasted the churn horizon', () => {
    const state = weekly(T);
    const at = (days: number) =>
      assessChurn(churnInputs({ days_since_last_order: days }, state, T + days * DAY, dayOf, SETTINGS), MODEL, {
        days_since_last_order: days,
      });
    expect(at(3).risk).toBeLessThan(at(20).risk);
    expect(at(20).risk).toBeLessThan(at(40).risk);
    expect(at(40).drivers.filter((d) => d.code === 'inactivity')).toHaveLength(1);
    expect(at(40).drivers[0]).toMatchObject({ code: 'inactivity', value: 40 });
    expect(at(90).risk).toBe(1); // 90 days ≥ max(90, 3 × 7)
  });

  it("counts service trouble relative to the customer's own volume", () => {
    const state = weekly(T);
    const f = (damaged: number, delivered: number) => ({
      days_since_last_order: 1,
      shipments_damaged_90d: damaged,
      shipments_delivered_90d: delivered,
    });
    const risk = (damaged: number, delivered: number) =>
      assessChurn(churnInputs(f(damaged, delivered), state, T + DAY, dayOf, SETTINGS), MODEL, f(damaged, delivered)).risk;
    // Two damaged shipments are much for a customer shipping 10 times a quarter, little for one shipping 200 times.
    expect(risk(2, 10)).toBeGreaterThan(risk(2, 200) * 1.3);
  });

  it('says when the silence alone will take the risk to a level: the risk is below it an hour before and at it then', () => {
    const state = weekly(T);
    const inputs = churnInputs({ days_since_last_order: 0 }, state, T, dayOf, SETTINGS);
    const when = timeRiskReaches(0.7, inputs, MODEL, T, dayOf, SETTINGS)!;
    expect(when).toBeGreaterThan(T);
    const riskAt = (t: number) => assessChurn(churnInputs({}, state, t, dayOf, SETTINGS), MODEL, {}).risk;
    expect(riskAt(when)).toBeGreaterThanOrEqual(0.7);
    expect(riskAt(when - 3_600_000)).toBeLessThan(0.7);
    // Told the caller's next wake-up: the same time when it comes first, none when it comes after.
    expect(timeRiskReaches(0.7, inputs, MODEL, T, dayOf, SETTINGS, when + 1)).toBe(when);
    expect(timeRiskReaches(0.7, inputs, MODEL, T, dayOf, SETTINGS, when - 3_600_000)).toBeNull();
    expect(
      timeRiskReaches(
        0.7,
        inputs,
        { ...MODEL, coefficients: zero, intercept: -9, horizon: { min_days: 800, gaps: 3, max_days: 800 } },
        T,
        dayOf,
        SETTINGS,
        Number.POSITIVE_INFINITY,
      ),
    ).toBeNull();
  });
});
