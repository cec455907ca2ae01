import { probabilityAlive, type BgNbdParams, type RepeatHistory } from './bgnbd.ts';

// Churn risk (流失风险) in [0, 1]: the BG/NBD probability that the customer has stopped buying,
// raised by service-quality trouble that makes leaving likely even for a customer still ordering:
//   risk = 1 − P(alive) · (1 − service),   service = min(1, Σ weight · signal), each signal in [0, 1].
// A customer with no repeat purchase yet has P(alive) = 1 under BG/NBD (it assumes drop-out happens
// only after a purchase), so for them only service signals count; the lifecycle dimension's
// recency rules catch the one-time buyer who never comes back.

export interface ChurnSettings {
  /** Days per BG/NBD time unit (7: the parameters are per week). */
  timeUnitDays: number;
  bgnbd: BgNbdParams;
  serviceWeights: Record<ServiceSignal, number>;
}

export const SERVICE_SIGNALS = ['late_deliveries', 'damage_or_loss', 'complaints', 'open_complaints', 'low_satisfaction'] as const;
export type ServiceSignal = (typeof SERVICE_SIGNALS)[number];
export type ChurnReasonCode = 'inactivity' | ServiceSignal;

/** Why the risk is what it is: each cause with the feature value behind it and its share of the risk. */
export interface ChurnDriver {
  code: ChurnReasonCode;
  /** The feature value behind it (days since the last order, late share, count, mean score). */
  value: number;
  /** Its contribution to the risk, in risk points. */
  weight: number;
}

export interface ChurnAssessment {
  risk: number;
  /** P(alive | x, t_x, T); undefined before the first order. */
  pAlive: number | undefined;
  /** Largest contribution first; causes that add nothing are left out. */
  drivers: ChurnDriver[];
}

const DAY_MS = 86_400_000;
const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));
const round = (v: number, digits = 4): number => Math.round(v * 10 ** digits) / 10 ** digits;

/** BG/NBD's (x, t_x, T) from a customer's order count, first and last order, observed at `at`, in units of `unitDays`. */
export function repeatHistoryOf(orders: number, first: number, last: number, at: number, unitDays: number): RepeatHistory {
  const unit = unitDays * DAY_MS;
  const T = Math.max(0, at - first) / unit;
  return { x: orders - 1, tx: Math.min(T, Math.max(0, last - first) / unit), T };
}

export function assessChurn(features: Readonly<Record<string, number | undefined>>, at: number, settings: ChurnSettings): ChurnAssessment {
  const first = features.first_order_at;
  const last = features.last_order_at;
  const orders = features.lifetime_orders ?? 0;
  let pAlive: number | undefined;
  if (first !== undefined && last !== undefined && orders >= 1) pAlive = probabilityAlive(settings.bgnbd, repeatHistoryOf(orders, first, last, at, settings.timeUnitDays));

  const signals: Array<{ code: ServiceSignal; signal: number; value: number }> = [];
  // The on-time rate is absent when no delivery reported its punctuality: then there is no signal.
  if (features.on_time_rate_90d !== undefined) signals.push({ code: 'late_deliveries', signal: 1 - features.on_time_rate_90d, value: round(1 - features.on_time_rate_90d) });
  const damagedOrLost = (features.shipments_damaged_90d ?? 0) + (features.shipments_lost_90d ?? 0);
  signals.push({ code: 'damage_or_loss', signal: clamp01(damagedOrLost / 2), value: damagedOrLost });
  const complaints = features.complaints_opened_30d ?? 0;
  signals.push({ code: 'complaints', signal: clamp01(complaints / 3), value: complaints });
  const open = features.open_complaints ?? 0;
  signals.push({ code: 'open_complaints', signal: clamp01(open / 2), value: open });
  const score = features.satisfaction_score_mean;
  const nps = features.nps_latest;
  const fromScore = score === undefined ? 0 : clamp01((5 - score) / 4);
  const fromNps = nps === undefined || nps > 6 ? 0 : (7 - nps) / 7;
  if (score !== undefined || nps !== undefined) signals.push({ code: 'low_satisfaction', signal: Math.max(fromScore, fromNps), value: score ?? nps ?? 0 });

  const weighted = signals.map((s) => ({ ...s, points: settings.serviceWeights[s.code] * s.signal }));
  const servicePoints = weighted.reduce((sum, s) => sum + s.points, 0);
  const service = clamp01(servicePoints);
  const alive = pAlive ?? 1;
  const risk = clamp01(1 - alive * (1 - service));
  // Split the risk between inactivity and service in proportion to what each alone would give.
  const inactivity = 1 - alive;
  const total = inactivity + service;
  const drivers: ChurnDriver[] = [];
  if (inactivity > 0) drivers.push({ code: 'inactivity', value: features.days_since_last_order ?? 0, weight: round((risk * inactivity) / total) });
  // The service share is split between the signals by their points; when their sum is capped at 1
  // they are scaled down with it, so the drivers' weights still add up to the risk.
  for (const s of weighted) if (s.points > 0) drivers.push({ code: s.code, value: s.value, weight: round((risk * s.points * (service / servicePoints)) / total) });
  drivers.sort((a, b) => b.weight - a.weight || (a.code < b.code ? -1 : 1));
  return { risk: round(risk), pAlive: pAlive === undefined ? undefined : round(pAlive), drivers };
}
