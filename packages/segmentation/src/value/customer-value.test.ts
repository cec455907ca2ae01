import { describe, expect, it } from 'vitest';
import {
  DAYS_PER_MONTH,
  predictValue,
  survivalDecayPerDay,
  survivingDays,
  type ValueInputs,
  type ValueSettings,
} from './customer-value.ts';

/** Fader & Hardie's CDNOW estimates: customer 1 (2 orders, mean 22.35) expects 24.66 an order. */
const CDNOW = { p: 6.25, q: 3.74, gamma: 15.44 };
const settings = (discountRate: number): ValueSettings => ({ horizonMonths: 12, discountRate, gammaGamma: CDNOW });
const aCustomer = (overrides: Partial<ValueInputs> = {}): ValueInputs => ({
  orderingDaysPerDay: 0.1,
  ordersPerOrderingDay: 1.5,
  churnRisk: 0,
  churnHorizonDays: 90,
  orders: 2,
  meanOrderValue: 22.35,
  ...overrides,
});

describe('predicted customer value (客户终身价值)', () => {
  it('expects the rate × orders per ordering day × 365.25 days from a customer sure to keep ordering', () => {
    // 0.1 × 1.5 × 365.25 = 54.7875 orders; (15.44 + 2 × 22.35) × 6.25 / (2 × 6.25 + 3.74 − 1) = 24.6637 an order.
    const v = predictValue(settings(0), aCustomer());
    expect(v.expected_orders_12m).toBe(54.79);
    expect(v.expected_order_value).toBe(24.66);
    expect(v.clv_12m).toBe(1351.26); // 54.7875 × 24.6637
  });

  it('weights the orders by the chance of still ordering: a churn risk of 0.5 over 90 days halves survival every 90 days', () => {
    // ∫₀^365.25 2^(−t/90) dt = 90/ln 2 × (1 − 2^(−365.25/90)) = 122.049 days; × 0.1 ordering days a day.
    const v = predictValue(settings(0), aCustomer({ ordersPerOrderingDay: 1, churnRisk: 0.5 }));
    expect(v.expected_orders_12m).toBe(12.2);
    expect(survivingDays(survivalDecayPerDay(0.5, 90), 0, 90)).toBeCloseTo(90 / 2 / Math.LN2, 10); // half survive the horizon
  });

  it('expects nothing from a customer whose churn has started for sure, and the population mean order value without orders', () => {
    const v = predictValue(settings(0.08), aCustomer({ churnRisk: 1, orders: 0, meanOrderValue: 0 }));
    expect(v.expected_orders_12m).toBe(0);
    expect(v.clv_12m).toBe(0);
    expect(v.expected_order_value).toBe(35.22); // γp/(q − 1) = 15.44 × 6.25 / 2.74
  });

  it('discounts each month at the end of the month by (1 + d)^(−m/12)', () => {
    // 0.1 ordering days a day, one order each: 3.04375 orders a month; Σ 1.08^(−m/12), m = 1…12, = 11.5129.
    const v = predictValue(settings(0.08), aCustomer({ ordersPerOrderingDay: 1 }));
    expect(v.expected_orders_12m).toBe(36.53); // undiscounted: 0.1 × 365.25
    expect(v.clv_12m).toBe(864.27); // 0.1 × 30.4375 × 11.5129 × 24.6637
    expect(DAYS_PER_MONTH * 12).toBe(365.25);
  });

  it('discounts a fading customer month by month too', () => {
    // Σ_m 0.1 × (2^(−(m−1)M/90) − 2^(−mM/90)) × 90/ln 2 × 1.08^(−m/12), M = 30.4375: 11.8963 orders, × 24.6637.
    const v = predictValue(settings(0.08), aCustomer({ ordersPerOrderingDay: 1, churnRisk: 0.5 }));
    expect(v.clv_12m).toBe(293.41);
  });

  it('values a customer with more orders at the same mean higher: less shrinkage towards the population mean of 35.22', () => {
    const few = predictValue(settings(0), aCustomer({ orders: 1, meanOrderValue: 100 }));
    const many = predictValue(settings(0), aCustomer({ orders: 40, meanOrderValue: 100 }));
    expect(few.expected_order_value).toBeLessThan(many.expected_order_value);
    expect(many.expected_order_value).toBeLessThan(100);
    expect(few.expected_order_value).toBeGreaterThan(35.22);
  });
});
