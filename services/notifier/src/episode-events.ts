import type { ChurnAlert, EpisodeEvent } from '@segmentation/contracts';

// Churn alerts belong to alert episodes (预警事件): one per customer from the first raise to the
// close after a sustained recovery. People act on an episode, not on every wobble of its level, so
// receivers hear of its opening, of each escalation above any level it reached before, and of its
// close. A fall within the episode (de_escalated) and a climb back to a level it already reached
// (re_escalated) stay in the console and ClickHouse: paging someone again for a level they were
// already told of is noise, and a fall is not a reason to stand down before the episode closes.

/** Which episode events receivers are told of. A Record, so a new event must be decided here. */
const TOLD: Record<EpisodeEvent, boolean> = {
  opened: true,
  escalated: true,
  closed: true,
  re_escalated: false,
  de_escalated: false,
};

/**
 * Whether receivers are told of this alert. An alert written before episodes existed (no episode
 * event) is told as every alert was then. An alert raised from no level at all (no previous level)
 * is always told: a raise soon after a close continues the closed episode, as `re_escalated` when
 * it stays within the episode's peak, and receivers last heard that the episode closed.
 */
export function toldToReceivers(alert: Pick<ChurnAlert, 'episodeEvent' | 'previousLevel'>): boolean {
  return alert.episodeEvent === null || alert.previousLevel === null || TOLD[alert.episodeEvent];
}

/**
 * Whether the alert closes its episode (流失预警解除): what a receiver with `closes: false` is not
 * told. An alert written before episodes existed has no episode event; its `cleared` level was
 * the close then.
 */
export function closesEpisode(alert: Pick<ChurnAlert, 'episodeEvent' | 'level'>): boolean {
  return alert.episodeEvent === 'closed' || alert.level === 'cleared';
}
