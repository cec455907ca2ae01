// An independent, seeded generator of a logistics company's customer history with the known truth
// about each customer, for judging the churn-warning model. See BRIEF.md for what it models.
import { DEFAULT_BASE_CURRENCY, DEFAULT_CURRENCY_RATES, parseRates, type CustomerProfile, type Industry } from '@segmentation/contracts';
import { DAY_MS, calendarWeights, parseDate, shanghaiMidnight } from './calendar.ts';
import { complaintRecords } from './complaints.ts';
import { applyLifecycle, type Lifecycle } from './lifecycle.ts';
import { buildOrders, type PlannedOrder } from './orders.ts';
import { planCustomer, type CustomerPlan } from './plan.ts';
import { expectedAnnualValue, simulateOrderDays } from './process.ts';
import { Rng } from './rng.ts';
import { fulfil, type Forced } from './service.ts';
import { STANDALONE_CATEGORIES, STANDALONE_COMPLAINTS_PER_YEAR } from './settings.ts';
import type { IndependentOptions, IndependentRecord, IndependentTruth } from './types.ts';

export type { ChurnCause, IndependentOptions, IndependentRecord, IndependentTruth } from './types.ts';
export { BEHAVIOURS, BEHAVIOUR_MIX, type Behaviour } from './settings.ts';

export const DEFAULT_INDEPENDENT_OPTIONS: IndependentOptions = { seed: 1, customers: 600, days: 548, start: '2025-01-01' };

export interface IndependentHistory {
  records: IndependentRecord[];
  truth: IndependentTruth[];
  start: number;
  /** Exclusive. */
  end: number;
}

export function generateIndependentHistory(options: IndependentOptions): IndependentHistory {
  const { seed, customers, days } = options;
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  if (!Number.isInteger(customers) || customers < 1) throw new Error(`customers must be a positive integer, got ${customers}`);
  if (!Number.isInteger(days) || days < 1) throw new Error(`days must be a positive integer, got ${days}`);
  const startDate = parseDate(options.start);
  const start = shanghaiMidnight(startDate);
  const end = start + days * DAY_MS;
  const rates = parseRates(DEFAULT_BASE_CURRENCY, DEFAULT_CURRENCY_RATES).rates;
  const weights = new Map<Industry, Float64Array>();
  const weightsOf = (industry: Industry): Float64Array => {
    const cached = weights.get(industry) ?? calendarWeights(startDate, days, industry);
    weights.set(industry, cached);
    return cached;
  };

  const records: IndependentRecord[] = [];
  const truth: IndependentTruth[] = [];
  for (let index = 0; index < customers; index++) {
    const plan = planCustomer(seed, index, startDate, start, days);
    const w = weightsOf(plan.industry);
    const orders = buildOrders(
      plan,
      simulateOrderDays(plan, w, Rng.stream(seed, index, 'process')),
      start,
      Rng.stream(seed, index, 'orders'),
    );
    const badWeek = (o: PlannedOrder): boolean => {
      const day = Math.floor((o.time - start) / DAY_MS);
      return plan.badWeeks.some((b) => day >= b.fromDay && day < b.toDay);
    };
    const fulfilOne = (o: PlannedOrder, forced: Forced | undefined) => fulfil(o, { seed, plan, end, rates, badWeek: badWeek(o), forced });
    const life = applyLifecycle(
      plan,
      orders,
      start,
      end,
      Rng.stream(seed, index, 'lifecycle'),
      (o, forced) => fulfilOne(o, forced).failureAt,
    );

    records.push({ kind: 'profile', value: profileOf(plan, start) });
    for (const o of life.kept) records.push(...fulfilOne(o, life.forced.get(o.seq)).records);
    records.push(...standaloneComplaints(plan, life, start, end, Rng.stream(seed, index, 'complaints')));
    truth.push({
      customerId: plan.customerId,
      behaviour: plan.behaviour,
      industry: plan.industry,
      expectedAnnualValue: expectedAnnualValue(plan, w, seed),
      valueTier: 'low',
      medianGapDays: plan.medianGapDays,
      declineStartedAt: life.declineStartedAt,
      churnedAt: life.churnedAt,
      churnCause: life.churnCause,
      wonBackAt: life.wonBackAt,
      pauses: plan.pauses.map((p) => ({ from: start + p.fromDay * DAY_MS, to: start + p.toDay * DAY_MS })),
    });
  }
  assignValueTiers(truth);
  records.sort(byTime);
  return { records, truth, start, end };
}

function profileOf(plan: CustomerPlan, start: number): CustomerProfile {
  return {
    eventId: `${plan.customerId}:profile`,
    customerId: plan.customerId,
    // Customers who signed up before the span are introduced at its start.
    eventTime: plan.signedUpInSpan ? plan.signedUpAt : start,
    industry: plan.industry,
    customerType: plan.customerType,
    country: plan.country,
    region: plan.region,
    accountManager: plan.accountManager,
    signedUpAt: plan.signedUpAt,
  };
}

/** Billing and other complaints with no shipment behind them, at random while the customer is active. */
function standaloneComplaints(plan: CustomerPlan, life: Lifecycle, start: number, end: number, rng: Rng): IndependentRecord[] {
  const windows: Array<[number, number]> = [[start + plan.firstDay * DAY_MS, life.churnedAt ?? end]];
  if (life.wonBackAt !== null) windows.push([life.wonBackAt, end]);
  const active = windows.reduce((s, [a, b]) => s + Math.max(0, b - a), 0);
  const out: IndependentRecord[] = [];
  for (let n = 1, count = rng.poisson((STANDALONE_COMPLAINTS_PER_YEAR * active) / (365 * DAY_MS)); n <= count; n++) {
    let at = rng.next() * active;
    let openedAt = end;
    for (const [a, b] of windows) {
      if (at < b - a) {
        openedAt = a + at;
        break;
      }
      at -= Math.max(0, b - a);
    }
    out.push(
      ...complaintRecords(
        {
          customerId: plan.customerId,
          complaintId: `${plan.customerId}-CMP-G${String(n).padStart(3, '0')}`,
          shipmentId: null,
          mood: 'normal',
          category: rng.weighted(STANDALONE_CATEGORIES),
          severity: rng.weighted([
            ['LOW', 0.6],
            ['MEDIUM', 0.4],
          ]),
          openedAt,
        },
        rng,
        end,
      ),
    );
  }
  return out;
}

/** Top 20% of expected annual value are high, the next 50% medium, the rest low (ties by customer id). */
function assignValueTiers(truth: IndependentTruth[]): void {
  const ranked = [...truth].sort((a, b) => b.expectedAnnualValue - a.expectedAnnualValue || (a.customerId < b.customerId ? -1 : 1));
  const high = Math.round(ranked.length * 0.2);
  const medium = Math.round(ranked.length * 0.7);
  ranked.forEach((t, i) => {
    t.valueTier = i < high ? 'high' : i < medium ? 'medium' : 'low';
  });
}

const KIND_ORDER: Readonly<Record<IndependentRecord['kind'], number>> = { profile: 0, order: 1, shipment: 2, complaint: 3 };

/** By event time; ties by kind (a profile before the orders it explains) then event id, so the order never depends on the sort. */
function byTime(a: IndependentRecord, b: IndependentRecord): number {
  return (
    a.value.eventTime - b.value.eventTime ||
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    (a.value.eventId < b.value.eventId ? -1 : a.value.eventId > b.value.eventId ? 1 : 0)
  );
}
