// Churn risk (流失风险) as a calibrated probability: the chance that a churn starts within the churn
// horizon, that is that the customer's current silence, or one beginning within the next horizon
// days, lasts the horizon (the longer of `horizon.min_days` and `horizon.gaps` times the customer's
// own 90th-percentile gap between orders, at most `horizon.max_days`; lull days count by their
// activity). A silence that has lasted the horizon is a churn by definition: risk 1. See docs/churn.md. A logistic model combines
// the customer-relative signals below with coefficients fitted on the company's own history
// (`pnpm churn fit`: features at past cut-off dates, outcomes after them); before the first fit the
// documented prior coefficients of config/rules.yaml are used and the model says it is not fitted.
//
// Signals, each relative to the customer (so a customer shipping 15 times a week and one shipping
// monthly are judged by their own standards):
//   silence_surprise   −ln P(this silence | the customer's own rhythm), cadence.ts
//   silence_gaps       ln(1 + silence / the customer's 90th-percentile gap)
//   silence_typical_gaps ln(1 + silence / the customer's median gap): long for a customer who usually orders often
//   order_trend        recent ordering rate against the customer's baseline (negative: fading)
//   value_trend        order value of the last 30 days against the 60 before (value_trend_30d)
//   history            ln(1 + orders): how much rhythm there is to judge by
//   late_share         share of the last 90 days' deliveries that were late
//   damage_loss_share  damaged or lost shipments per shipment in the last 90 days
//   complaint_rate     complaints opened per order in the last 90 days
//   open_complaint_age age of the oldest unresolved complaint, in months (capped at 3)
//   dissatisfaction    satisfaction shortfall (5 = 0, 1 = 1) of the last 90 days, recent answers weighing more
//   detractor          share of detractors (NPS 0–6) among the last 90 days' answers, recent ones weighing more

import type { CustomerFeatures } from '../features/customer-features.ts';
import { DAY_MS } from '../features/buckets.ts';
import { cadenceBase, rateOf, silenceAt, type CadenceBase, type CadenceSettings, type Silence } from './cadence.ts';

export const MODEL_SIGNALS = [
  'silence_surprise',
  'silence_gaps',
  'silence_typical_gaps',
  'order_trend',
  'value_trend',
  'history',
  'late_share',
  'damage_loss_share',
  'complaint_rate',
  'open_complaint_age',
  'dissatisfaction',
  'detractor',
] as const;
export type ModelSignal = (typeof MODEL_SIGNALS)[number];
export type SignalValues = Record<ModelSignal, number>;

export interface ChurnHorizon {
  min_days: number;
  gaps: number;
  max_days: number;
}

export interface ChurnModel {
  intercept: number;
  coefficients: SignalValues;
  horizon: ChurnHorizon;
}

/** The customer's churn horizon in (activity-weighted) days of silence. */
export const churnHorizonDays = (horizon: ChurnHorizon, base: CadenceBase): number =>
  Math.min(horizon.max_days, Math.max(horizon.min_days, horizon.gaps * p90GapOf(base)));

/** The risk: 1 once the silence has lasted the horizon, else the logistic model's probability. */
function riskOf(model: ChurnModel, signals: SignalValues, cadence: ChurnInputs['cadence']): number {
  if (cadence !== undefined && cadence.silence.effectiveDays >= churnHorizonDays(model.horizon, cadence.base)) return 1;
  return sigmoid(linearScore(model, signals));
}

export type ChurnReasonCode =
  | 'inactivity'
  | 'declining_orders'
  | 'declining_value'
  | 'late_deliveries'
  | 'damage_or_loss'
  | 'complaints'
  | 'open_complaints'
  | 'low_satisfaction'
  | 'detractor';

const REASON_OF: Partial<Record<ModelSignal, ChurnReasonCode>> = {
  silence_surprise: 'inactivity',
  silence_gaps: 'inactivity',
  silence_typical_gaps: 'inactivity',
  order_trend: 'declining_orders',
  value_trend: 'declining_value',
  late_share: 'late_deliveries',
  damage_loss_share: 'damage_or_loss',
  complaint_rate: 'complaints',
  open_complaint_age: 'open_complaints',
  dissatisfaction: 'low_satisfaction',
  detractor: 'detractor',
};
/** Causes that are about ordering (the inactivity action) rather than service (the service action). */
export const ORDERING_CAUSES: ReadonlySet<ChurnReasonCode> = new Set(['inactivity', 'declining_orders', 'declining_value']);

/** Why the risk is what it is: each cause with the value behind it and its share of the risk. */
export interface ChurnDriver {
  code: ChurnReasonCode;
  /** The value behind it (days since the last order, late share, complaint age in days...). */
  value: number;
  /** Its share of the risk, in risk points. */
  weight: number;
}

export interface ChurnAssessment {
  risk: number;
  signals: SignalValues;
  /** Largest share first; causes that add no risk are left out. */
  drivers: ChurnDriver[];
  /** Absent before the first order. */
  cadence?: { base: CadenceBase; silence: Silence };
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
const round = (v: number, digits = 4): number => Math.round(v * 10 ** digits) / 10 ** digits;
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
/** Linear recency weights over the day buckets of the last 90 days: today 1, 90 days ago 0. */
const RECENCY_DAYS = 90;

/** The service and satisfaction signals, from the features and the day buckets. */
export function serviceSignals(
  f: Readonly<Record<string, number | undefined>>,
  state: CustomerFeatures,
  at: number,
  today: number,
): Omit<SignalValues, CadenceSignal | 'history'> {
  const delivered = f.shipments_delivered_90d ?? 0;
  const damagedOrLost = (f.shipments_damaged_90d ?? 0) + (f.shipments_lost_90d ?? 0);
  let satisfactionWeight = 0;
  let shortfall = 0;
  let npsWeight = 0;
  let detractors = 0;
  for (const b of state.series.days) {
    const age = today - b.day;
    if (age < 0 || age >= RECENCY_DAYS) continue;
    const w = 1 - age / RECENCY_DAYS;
    satisfactionWeight += w * b.counts.satisfactionAnswers;
    shortfall += w * b.counts.satisfactionShortfall;
    npsWeight += w * b.counts.npsAnswers;
    detractors += w * b.counts.npsDetractors;
  }
  let oldestOpenMinute: number | undefined;
  for (const c of state.complaints)
    if (c.openedAt !== null && (oldestOpenMinute === undefined || c.openedAt < oldestOpenMinute)) oldestOpenMinute = c.openedAt;
  return {
    value_trend: f.value_trend_30d ?? 0,
    late_share: f.on_time_rate_90d === undefined ? 0 : 1 - f.on_time_rate_90d,
    damage_loss_share: damagedOrLost / Math.max(1, delivered + damagedOrLost),
    complaint_rate: Math.min(2, (f.complaints_opened_90d ?? 0) / Math.max(1, f.orders_90d ?? 0)),
    open_complaint_age: oldestOpenMinute === undefined ? 0 : clamp((at - oldestOpenMinute * 60_000) / DAY_MS / 30, 0, 3),
    dissatisfaction: satisfactionWeight > 0 ? shortfall / satisfactionWeight / 4 : 0,
    detractor: npsWeight > 0 ? detractors / npsWeight : 0,
  };
}

/** Everything the model reads at `at`, for the engine and for fitting (the same numbers in both). */
export interface ChurnInputs {
  signals: SignalValues;
  cadence?: { base: CadenceBase; silence: Silence };
}

export function churnInputs(
  f: Readonly<Record<string, number | undefined>>,
  state: CustomerFeatures,
  at: number,
  dayOf: (ms: number) => number,
  settings: CadenceSettings,
): ChurnInputs {
  const service = serviceSignals(f, state, at, dayOf(at));
  const first = state.lifetime.firstOrderAt;
  const last = state.lifetime.lastOrderAt;
  const orders = state.lifetime.orders;
  if (first === null || last === null)
    return { signals: { ...service, silence_surprise: 0, silence_gaps: 0, silence_typical_gaps: 0, order_trend: 0, history: 0 } };
  const base = cadenceBase(
    { orderDays: state.orderDays, orderWeeks: state.orderWeeks, firstOrderAt: first, lastOrderAt: last },
    at,
    dayOf,
    settings,
  );
  const silence = silenceAt(base, at, dayOf, settings);
  return { signals: { ...service, ...cadenceSignals(base, silence), history: Math.log1p(orders) }, cadence: { base, silence } };
}

const SURPRISE_CAP = 30;
const CADENCE_SIGNALS = ['silence_surprise', 'silence_gaps', 'silence_typical_gaps', 'order_trend'] as const;
type CadenceSignal = (typeof CADENCE_SIGNALS)[number];
const cadenceSignals = (base: CadenceBase, s: Silence): Pick<SignalValues, CadenceSignal> => ({
  silence_surprise: Math.min(SURPRISE_CAP, s.surprise),
  silence_gaps: Math.log1p(s.effectiveDays / p90GapOf(base)),
  silence_typical_gaps: Math.log1p(s.effectiveDays / Math.max(1, base.medianGapDays ?? 1 / rateOf(base))),
  order_trend: clamp(s.trend, -3, 3),
});

/** The customer's 90th-percentile gap in days; with fewer than 3 gaps, that of exponential gaps at the posterior rate. */
export const p90GapOf = (base: CadenceBase): number => Math.max(1, base.p90GapDays ?? Math.LN10 / rateOf(base));

export const linearScore = (model: ChurnModel, signals: SignalValues): number =>
  MODEL_SIGNALS.reduce((z, k) => z + model.coefficients[k] * signals[k], model.intercept);

export function assessChurn(inputs: ChurnInputs, model: ChurnModel, f: Readonly<Record<string, number | undefined>>): ChurnAssessment {
  const risk = riskOf(model, inputs.signals, inputs.cadence);
  // The risk's share per cause: each signal's contribution to the log-odds, counted where it adds
  // risk, summed per cause (the silence is read by three signals, one reason).
  const points = new Map<ChurnReasonCode, number>();
  for (const k of MODEL_SIGNALS) {
    const code = REASON_OF[k];
    const p = model.coefficients[k] * inputs.signals[k];
    if (code !== undefined && p > 0) points.set(code, (points.get(code) ?? 0) + p);
  }
  const contributions = [...points].map(([code, p]) => ({ code, points: p, value: reasonValue(code, inputs, f) }));
  const total = contributions.reduce((s, c) => s + c.points, 0);
  const drivers = contributions
    .map((c) => ({ code: c.code, value: c.value, weight: round((risk * c.points) / total) }))
    .sort((a, b) => b.weight - a.weight || (a.code < b.code ? -1 : 1));
  return { risk: round(risk), signals: inputs.signals, drivers, cadence: inputs.cadence };
}

function reasonValue(code: ChurnReasonCode, inputs: ChurnInputs, f: Readonly<Record<string, number | undefined>>): number {
  const s = inputs.signals;
  switch (code) {
    case 'inactivity':
      return f.days_since_last_order ?? 0;
    case 'declining_orders':
      return round(Math.exp(s.order_trend), 2);
    case 'declining_value':
      return s.value_trend;
    case 'late_deliveries':
      return round(s.late_share);
    case 'damage_or_loss':
      return (f.shipments_damaged_90d ?? 0) + (f.shipments_lost_90d ?? 0);
    case 'complaints':
      return f.complaints_opened_90d ?? 0;
    case 'open_complaints':
      return Math.round(s.open_complaint_age * 30);
    case 'low_satisfaction':
      return round(5 - 4 * s.dissatisfaction, 2);
    case 'detractor':
      return round(s.detractor, 2);
  }
}

/** The customer's usual gap between orders, in days (from the posterior rate). */
export const usualGapDays = (base: CadenceBase): number => 1 / rateOf(base);

/**
 * The first time after `at` at which the risk, with no new event, reaches `level` or more: only
 * the silence moves it (the windows of the other signals wake the customer by themselves). Null
 * when it never does within `horizonDays`. Bisection on whole hours from `at` (deterministic), the
 * risk assumed to rise with the silence (it does when the fitted silence signals add up to more
 * risk as it lasts; at the churn horizon it is 1 in any case). Runs at every evaluation, so the
 * signals that do not move are summed once. Also null as soon as the search knows the time is
 * after `before` (the caller's earliest other wake-up): the steps it takes until then are those of
 * the whole search, so a time before `before` is the one the whole search finds.
 */
export function timeRiskReaches(
  level: number,
  inputs: ChurnInputs,
  model: ChurnModel,
  at: number,
  dayOf: (ms: number) => number,
  settings: CadenceSettings,
  before = Number.POSITIVE_INFINITY,
  horizonDays = 730,
): number | null {
  const cadence = inputs.cadence;
  if (cadence === undefined) return null;
  const { base } = cadence;
  const c = model.coefficients;
  const moving = cadenceSignals(base, cadence.silence);
  const fixed = linearScore(model, inputs.signals) - CADENCE_SIGNALS.reduce((z, k) => z + c[k] * moving[k], 0);
  const horizon = churnHorizonDays(model.horizon, base);
  const riskAt = (t: number): number => {
    const silence = silenceAt(base, t, dayOf, settings);
    if (silence.effectiveDays >= horizon) return 1;
    const m = cadenceSignals(base, silence);
    return sigmoid(
      fixed +
        c.silence_surprise * m.silence_surprise +
        c.silence_gaps * m.silence_gaps +
        c.silence_typical_gaps * m.silence_typical_gaps +
        c.order_trend * m.order_trend,
    );
  };
  const HOUR = 3_600_000;
  let lo = at;
  let hi = at + horizonDays * DAY_MS;
  if (riskAt(hi) < level) return null;
  while (hi - lo > HOUR) {
    const mid = lo + Math.max(1, Math.floor((hi - lo) / 2 / HOUR)) * HOUR;
    if (riskAt(mid) >= level) hi = mid;
    else lo = mid;
    if (lo >= before) return null; // the search ends above lo
  }
  return hi;
}
