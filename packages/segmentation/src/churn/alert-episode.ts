// Churn alert episodes (预警事件): one open episode per customer, from the first raise to its close.
// Operations act on an episode, not on every wobble of the risk, so:
// - an episode opens when the risk reaches watch (关注) and climbs through warning (预警) and
//   critical (严重) as the risk does (hysteresis: a level is kept until the risk falls below its exit);
// - inside the episode a level falls only after `cooldownDays` at that level, and never below watch;
// - it closes (解除) only after a sustained recovery: the risk under watch's exit for `closeAfterDays`
//   in a row (one order after a long silence is not yet a recovery);
// - a raise within `reopenDays` of the close continues the same episode instead of opening a new one.
// Pure: the episode is a function of the risks seen at the customer's evaluations, in log order.

import type { EpisodeEvent } from '@segmentation/contracts';

export const ALERT_LEVELS = ['watch', 'warning', 'critical'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];
export type AlertBands = Record<AlertLevel, { enter: number; exit: number }>;

export interface EpisodeSettings {
  bands: AlertBands;
  cooldownDays: number;
  closeAfterDays: number;
  reopenDays: number;
}

export interface EpisodeState {
  /** 1 for the customer's first episode; kept after the close. */
  number: number;
  open: boolean;
  level: AlertLevel | null;
  /** The highest level of the episode so far. */
  peak: AlertLevel | null;
  levelSince: number;
  /** Since when the risk has stayed under watch's exit (the recovery), while open. */
  calmSince: number | null;
  closedAt: number | null;
}

export interface EpisodeStep {
  state: EpisodeState;
  /** What happened to the episode at this evaluation; null when nothing did. */
  event: EpisodeEvent | null;
  /** When the episode may change with no new risk (a held fall, the end of a recovery). */
  wakeAt: number | null;
}

const DAY_MS = 86_400_000;
const rankOf = (level: AlertLevel | null): number => (level === null ? -1 : ALERT_LEVELS.indexOf(level));

/** The highest level whose enter the risk reaches, or -1. */
function raisedRank(risk: number, bands: AlertBands): number {
  let raised = -1;
  ALERT_LEVELS.forEach((level, i) => {
    if (risk >= bands[level].enter) raised = i;
  });
  return raised;
}

export function stepEpisode(previous: EpisodeState | undefined, risk: number, at: number, s: EpisodeSettings): EpisodeStep {
  const raised = raisedRank(risk, s.bands);
  if (previous === undefined || !previous.open) {
    if (raised < 0)
      return {
        state: previous ?? { number: 0, open: false, level: null, peak: null, levelSince: at, calmSince: null, closedAt: null },
        event: null,
        wakeAt: null,
      };
    const continues = previous !== undefined && previous.closedAt !== null && at - previous.closedAt < s.reopenDays * DAY_MS;
    const peak = continues ? Math.max(rankOf(previous.peak), raised) : raised;
    const event: EpisodeEvent = !continues ? 'opened' : raised > rankOf(previous.peak) ? 'escalated' : 're_escalated';
    const state: EpisodeState = {
      number: continues ? previous.number : (previous?.number ?? 0) + 1,
      open: true,
      level: ALERT_LEVELS[raised]!,
      peak: ALERT_LEVELS[peak]!,
      levelSince: at,
      calmSince: null,
      closedAt: null,
    };
    return { state, event, wakeAt: null };
  }

  const rank = rankOf(previous.level);
  if (raised > rank) {
    const peak = Math.max(rankOf(previous.peak), raised);
    const event: EpisodeEvent = raised > rankOf(previous.peak) ? 'escalated' : 're_escalated';
    return {
      state: { ...previous, level: ALERT_LEVELS[raised]!, peak: ALERT_LEVELS[peak]!, levelSince: at, calmSince: null },
      event,
      wakeAt: null,
    };
  }

  const calm = risk < s.bands.watch.exit;
  const calmSince = calm ? (previous.calmSince ?? at) : null;
  if (calmSince !== null && at - calmSince >= s.closeAfterDays * DAY_MS) {
    return {
      state: { ...previous, open: false, level: null, levelSince: at, calmSince: null, closedAt: at },
      event: 'closed',
      wakeAt: null,
    };
  }
  let wakeAt = calmSince === null ? null : calmSince + s.closeAfterDays * DAY_MS;
  let state: EpisodeState = { ...previous, calmSince };
  let event: EpisodeEvent | null = null;
  if (rank > 0 && risk < s.bands[previous.level!].exit) {
    // Fall to the highest lower level whose band the risk is still in; while open, never below watch.
    let fallen = 0;
    for (let i = 1; i < rank; i += 1) if (risk >= s.bands[ALERT_LEVELS[i]!].exit) fallen = i;
    const allowedAt = previous.levelSince + s.cooldownDays * DAY_MS;
    if (at >= allowedAt) {
      state = { ...state, level: ALERT_LEVELS[fallen]!, levelSince: at };
      event = 'de_escalated';
    } else {
      wakeAt = wakeAt === null ? allowedAt : Math.min(wakeAt, allowedAt);
    }
  }
  return { state, event, wakeAt };
}
