// Churn alert levels (关注 watch / 预警 warning / 严重 critical; 解除 cleared when the risk falls away).
// Hysteresis: a level is entered at its `enter` risk and kept until the risk falls below its `exit`.
// Cool-down: after a change, the level may not fall again for `cooldownDays` of event time (an
// alerting system should not be told "cleared" the day after "critical"); rises are never held back.

export const ALERT_LEVELS = ['watch', 'warning', 'critical'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];

export type AlertBands = Record<AlertLevel, { enter: number; exit: number }>;

export interface AlertDecision {
  level: AlertLevel | null;
  /** Set when a fall was held back by the cool-down: the earliest event time it may happen. */
  heldUntil: number | null;
}

const DAY_MS = 86_400_000;

export function nextAlertLevel(current: AlertLevel | null, since: number | null, risk: number, at: number, bands: AlertBands, cooldownDays: number): AlertDecision {
  const rank = current === null ? -1 : ALERT_LEVELS.indexOf(current);
  let raised = -1;
  ALERT_LEVELS.forEach((level, i) => { if (risk >= bands[level].enter) raised = i; });
  if (raised > rank) return { level: ALERT_LEVELS[raised]!, heldUntil: null };
  if (current === null || risk >= bands[current].exit) return { level: current, heldUntil: null };
  const coolsAt = (since ?? Number.NEGATIVE_INFINITY) + cooldownDays * DAY_MS;
  if (at < coolsAt) return { level: current, heldUntil: coolsAt };
  // Fall to the highest lower level whose band the risk is still in, or clear.
  let fallen = -1;
  for (let i = 0; i < rank; i += 1) if (risk >= bands[ALERT_LEVELS[i]!].exit) fallen = i;
  return { level: fallen === -1 ? null : ALERT_LEVELS[fallen]!, heldUntil: null };
}
