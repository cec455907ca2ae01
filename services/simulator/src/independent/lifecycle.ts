// Applies a customer's planned exit (and return) to its undisturbed orders, and records the truth:
// when the decline began, the last order before the stop, the first order after coming back.
import { DAY_MS } from './calendar.ts';
import type { PlannedOrder } from './orders.ts';
import type { CustomerPlan, ExitPlan } from './plan.ts';
import type { Rng } from './rng.ts';
import type { Forced } from './service.ts';
import { INCIDENT_EXTRA_WITHIN_DAYS, INCIDENT_HIGH_VALUE, MIN_HISTORY_ORDERS } from './settings.ts';
import type { ChurnCause } from './types.ts';

export interface Lifecycle {
  kept: PlannedOrder[];
  /** Outcomes imposed on the incident's orders, by order seq. */
  forced: Map<number, Forced>;
  declineStartedAt: number | null;
  churnedAt: number | null;
  churnCause: ChurnCause | null;
  wonBackAt: number | null;
  /** True when the planned exit could not happen (no order before it): the customer stays undisturbed. */
  exitDropped: boolean;
}

/** When the failure of an order's shipment would show, given an imposed outcome. */
export type FailureOf = (order: PlannedOrder, forced: Forced) => number | null;

/** Incidents whose failure would show only in the last week of the span are moved to an earlier order. */
const INCIDENT_VISIBLE_BEFORE_END_MS = 7 * DAY_MS;

export function applyLifecycle(
  plan: CustomerPlan,
  base: readonly PlannedOrder[],
  startMs: number,
  end: number,
  rng: Rng,
  failureOf: FailureOf,
): Lifecycle {
  const orders = base.map((o) => ({ ...o })); // amounts may change: leave the caller's orders alone
  const undisturbed: Lifecycle = {
    kept: orders,
    forced: new Map(),
    declineStartedAt: null,
    churnedAt: null,
    churnCause: null,
    wonBackAt: null,
    exitDropped: false,
  };
  if (plan.exit === null) return undisturbed;
  const dayStart = (day: number): number => startMs + day * DAY_MS;
  // A leaver first has some history: the exit moves later until MIN_HISTORY_ORDERS orders came before it.
  const enough = orders[MIN_HISTORY_ORDERS - 1];
  if (enough === undefined) return { ...undisturbed, exitDropped: true };
  const exit = withHistory(plan.exit, Math.floor((enough.time - startMs) / DAY_MS) + 1, Math.round((end - startMs) / DAY_MS));
  const forced = new Map<number, Forced>();
  let before: PlannedOrder[] = [];
  let declineStartedAt: number | null = null;

  if (exit.cause === 'quiet_exit') {
    before = orders.filter((o) => o.time < dayStart(exit.stopDay));
  } else if (exit.cause === 'gradual_shift') {
    const from = dayStart(exit.fadeStartDay);
    const to = dayStart(exit.fadeEndDay);
    for (const o of orders) {
      if (o.time >= to) break;
      const progress = Math.max(0, (o.time - from) / (to - from));
      if (progress > 0 && !rng.chance((1 - progress) ** exit.shape)) continue; // this order went to the competitor
      o.amountCny *= 1 - exit.shrink * progress;
      before.push(o);
    }
    declineStartedAt = from;
  } else {
    let candidates = orders.filter((o) => o.time < dayStart(exit.incidentDay));
    let failure: number | null = null;
    while (candidates.length > 0 && failure === null) {
      const chosen = candidates.slice(-exit.streak);
      forced.clear();
      chosen.forEach((o, i) => forced.set(o.seq, incidentOutcome(rng, exit.kind, i === chosen.length - 1)));
      const times = chosen.map((o) => failureOf(o, forced.get(o.seq) ?? { kind: 'late', mood: null })).filter((t) => t !== null);
      failure = times.length > 0 ? Math.min(...times) : null;
      if (failure !== null && failure >= end - INCIDENT_VISIBLE_BEFORE_END_MS) failure = null;
      if (failure === null) candidates = candidates.slice(0, -1);
    }
    if (failure === null) return { ...undisturbed, kept: base.map((o) => ({ ...o })), exitDropped: true };
    for (const o of orders) {
      const f = forced.get(o.seq);
      if (f !== undefined && f.kind !== 'late') o.amountCny *= rng.uniform(INCIDENT_HIGH_VALUE[0], INCIDENT_HIGH_VALUE[1]);
    }
    const last = failure;
    const extra = orders.filter((o) => o.time >= last && o.time < last + INCIDENT_EXTRA_WITHIN_DAYS * DAY_MS).slice(0, exit.extraOrders);
    before = orders.filter((o) => o.time < last).concat(extra);
    declineStartedAt = failure;
  }

  const lastBefore = before[before.length - 1];
  if (lastBefore === undefined) return { ...undisturbed, kept: base.map((o) => ({ ...o })), forced: new Map(), exitDropped: true };
  const churnedAt = lastBefore.time;
  let kept = before;
  let wonBackAt: number | null = null;
  if (plan.returnAfterDays !== null) {
    const returnAt = dayStart(Math.floor((churnedAt - startMs) / DAY_MS) + plan.returnAfterDays);
    const after = orders.filter((o) => o.time >= returnAt && rng.chance(plan.keepAfterReturn));
    const first = after[0];
    if (first !== undefined) {
      wonBackAt = first.time;
      kept = before.concat(after);
    }
  }
  return { kept, forced, declineStartedAt, churnedAt, churnCause: exit.cause, wonBackAt, exitDropped: false };
}

/** The exit moved so that it starts no earlier than `firstDay` (a fade keeps its length, within the span). */
function withHistory(exit: ExitPlan, firstDay: number, days: number): ExitPlan {
  if (exit.cause === 'quiet_exit') return { ...exit, stopDay: Math.max(exit.stopDay, firstDay) };
  if (exit.cause === 'service_incident') return { ...exit, incidentDay: Math.max(exit.incidentDay, firstDay) };
  const shift = Math.max(0, firstDay - exit.fadeStartDay);
  const fadeStartDay = exit.fadeStartDay + shift;
  return { ...exit, fadeStartDay, fadeEndDay: Math.max(fadeStartDay + 1, Math.min(days - 1, exit.fadeEndDay + shift)) };
}

/** The imposed outcome of one of the incident's orders; a streak's last late delivery is the one that draws the angry complaint. */
function incidentOutcome(rng: Rng, kind: 'lost' | 'damaged' | 'late_streak' | 'bad_handling', isLast: boolean): Forced {
  if (kind === 'lost' || kind === 'damaged') return { kind };
  if (kind === 'bad_handling') return { kind: 'late', mood: 'mishandled' };
  return { kind: 'late', mood: isLast && rng.chance(0.8) ? 'angry' : null };
}
