// The ordering process of one customer, before anything makes it leave: order moments form a
// renewal process in "activity time" (calendar × weekly demand noise × trend), so orders bunch
// before holidays, thin out at weekends and stop during pauses, and gaps are bursty.
import { Rng } from './rng.ts';
import type { CustomerPlan, DayRange } from './plan.ts';
import { DEMAND_PERSISTENCE, INTERNATIONAL_FACTOR, SERVICE_LEVEL_FACTOR } from './settings.ts';

export interface OrderDay {
  day: number;
  orders: number;
}

const inRanges = (day: number, ranges: readonly DayRange[]): boolean => ranges.some((r) => day >= r.fromDay && day < r.toDay);

/** Days with at least one order, and how many orders each, from `plan.firstDay` (or `fromDay`) to the end. */
export function simulateOrderDays(plan: CustomerPlan, weights: Float64Array, rng: Rng, fromDay = plan.firstDay): OrderDay[] {
  const days = weights.length;
  const stationarySd = plan.demandSd / Math.sqrt(1 - DEMAND_PERSISTENCE ** 2);
  // Mean-correct the log-normal demand so it does not raise the average rate.
  const correction = stationarySd ** 2 / 2;
  let level = stationarySd * rng.normal();
  const gap = (): number => rng.lognormal(plan.medianGapDays, plan.gapSigma);
  // A random phase: customers already active at the span start are caught mid-gap, not all on day 0.
  let target = rng.next() * gap();
  let activity = 0;
  const out: OrderDay[] = [];
  for (let day = fromDay; day < days; day++) {
    if (day > fromDay && (day - fromDay) % 7 === 0) level = DEMAND_PERSISTENCE * level + plan.demandSd * rng.normal();
    if (inRanges(day, plan.pauses)) continue; // activity time stands still: the gap resumes after the pause
    const a = (weights[day] ?? 0) * Math.exp(level - correction + (plan.trendPerYear * (day - days / 2)) / 365);
    activity += a;
    let moments = 0;
    while (target < activity) {
      moments++;
      target += gap();
    }
    if (moments > 0) out.push({ day, orders: moments + rng.poisson(plan.extraPerDay * a) });
  }
  return out;
}

/** The mean amount (CNY) of one of the customer's orders: median × log-normal mean × lane and service mix. */
export function meanOrderAmountCny(plan: CustomerPlan): number {
  const laneWeight = plan.lanes.reduce((s, l) => s + l.weight, 0);
  const laneFactor = plan.lanes.reduce((s, l) => s + l.weight * (l.reach === 'domestic' ? 1 : INTERNATIONAL_FACTOR), 0) / laneWeight;
  const [express, standard, economy] = plan.serviceMix;
  const serviceFactor =
    (express * SERVICE_LEVEL_FACTOR.EXPRESS + standard * SERVICE_LEVEL_FACTOR.STANDARD + economy * SERVICE_LEVEL_FACTOR.ECONOMY) /
    (express + standard + economy);
  return plan.medianAmountCny * Math.exp(plan.amountSigma ** 2 / 2) * laneFactor * serviceFactor;
}

/**
 * What the customer's ordering process brings per year while active: the mean order amount times
 * the order count of the undisturbed process over the whole span (pauses included, no decline),
 * averaged over independent replications so rare shippers' estimates are not one lucky draw.
 */
export function expectedAnnualValue(plan: CustomerPlan, weights: Float64Array, seed: number): number {
  const days = weights.length;
  const roughOrders = (days / plan.medianGapDays) * (1 + plan.extraPerDay);
  const replications = Math.min(30, Math.max(2, Math.ceil(600 / roughOrders)));
  let orders = 0;
  for (let r = 0; r < replications; r++) {
    for (const d of simulateOrderDays(plan, weights, Rng.stream(seed, plan.index, 'reference', r), 0)) orders += d.orders;
  }
  const perYear = orders / replications / (days / 365);
  return Math.round(perYear * meanOrderAmountCny(plan) * 100) / 100;
}
