// Predicted customer lifetime value (客户终身价值, CLTV) over the next 12 months: how many orders the
// customer will place, what each is worth, and the two multiplied and discounted. Pure: numbers in,
// numbers out; the engine feeds it the churn model's own cadence posterior and risk, so the
// prediction and the churn alert never disagree about a customer's rhythm.
//
// Expected orders. The cadence posterior gives λ, the customer's expected ordering days per day at
// the last order (churn/cadence.ts), and the last year gives orders per ordering day, k. While the
// customer keeps ordering, orders arrive at λ·k a day. Whether they keep ordering is what churn_risk
// says: ρ, the chance a churn starts within the customer's churn horizon h days. The simplest
// survival that agrees with it is a constant hazard: S(t) = (1 − ρ)^(t/h), so S(h) = 1 − ρ. Then
//   E[orders in (a, b]] = λ·k·∫_a^b S(t) dt = λ·k·(S(a) − S(b))/η,  η = −ln(1 − ρ)/h,
// which is λ·k·(b − a) when ρ = 0 and 0 when ρ = 1 (a churn that has lasted its horizon).
//
// Expected order value. Gamma-Gamma (value/gamma-gamma.ts) from the orders of the last 365 days and
// their mean value: the customer's own mean, shrunk towards the population's the fewer orders it
// rests on.
//
// Value. Month m (m = 1 … 12, months of 365.25/12 days) contributes its expected orders × the
// expected order value, discounted at the end of the month by (1 + d)^(−m/12), d the annual rate.

import { expectedOrderValue, type GammaGammaParams } from './gamma-gamma.ts';

export interface ValueSettings {
  /** Months predicted: 12 (the features are named for it). */
  horizonMonths: number;
  /** Annual discount rate (0.08: a yuan a year from now is worth 1/1.08 today). */
  discountRate: number;
  gammaGamma: GammaGammaParams;
}

export interface ValueInputs {
  /** Expected ordering days per day (the cadence posterior's mean at the last order). */
  orderingDaysPerDay: number;
  /** Orders per ordering day over the last 365 days (1 when unknown). */
  ordersPerOrderingDay: number;
  /** P(a churn starts within the churn horizon), 0–1. */
  churnRisk: number;
  /** The customer's churn horizon, in days. */
  churnHorizonDays: number;
  /** Orders of the last 365 days and their mean value in the base currency (the Gamma-Gamma inputs). */
  orders: number;
  meanOrderValue: number;
}

export interface PredictedValue {
  expected_orders_12m: number;
  expected_order_value: number;
  clv_12m: number;
}

export const DAYS_PER_MONTH = 365.25 / 12;

const round2 = (v: number): number => Math.round(v * 100) / 100;

/** The survival's decay per day, η = −ln(1 − ρ)/h; infinite once the churn has surely started. */
export function survivalDecayPerDay(churnRisk: number, churnHorizonDays: number): number {
  if (churnRisk >= 1) return Number.POSITIVE_INFINITY;
  return -Math.log1p(-Math.max(0, churnRisk)) / churnHorizonDays;
}

/** ∫_a^b S(t) dt with S(t) = e^(−ηt): the days in (a, b] the customer is expected to still be ordering. */
export function survivingDays(eta: number, fromDay: number, toDay: number): number {
  if (eta === Number.POSITIVE_INFINITY) return 0;
  if (eta === 0) return toDay - fromDay;
  return (Math.exp(-eta * fromDay) - Math.exp(-eta * toDay)) / eta;
}

/**
 * The expected orders of the horizon, the expected order value, and their discounted product.
 * Rounded to cents and hundredths of an order, as the other features are (snapshots stay small).
 */
export function predictValue(settings: ValueSettings, inputs: ValueInputs): PredictedValue {
  const perDay = inputs.orderingDaysPerDay * inputs.ordersPerOrderingDay;
  const eta = survivalDecayPerDay(inputs.churnRisk, inputs.churnHorizonDays);
  const monthlyDiscount = (1 + settings.discountRate) ** (-1 / 12);
  let orders = 0;
  let discountedOrders = 0;
  let discount = 1;
  for (let m = 1; m <= settings.horizonMonths; m += 1) {
    const month = perDay * survivingDays(eta, (m - 1) * DAYS_PER_MONTH, m * DAYS_PER_MONTH);
    discount *= monthlyDiscount;
    orders += month;
    discountedOrders += month * discount;
  }
  const value = expectedOrderValue(settings.gammaGamma, { x: inputs.orders, zbar: inputs.meanOrderValue });
  return { expected_orders_12m: round2(orders), expected_order_value: round2(value), clv_12m: round2(discountedOrders * value) };
}
