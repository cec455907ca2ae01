import type { ClickHouseClient } from '@segmentation/clickhouse';
import { ALERT_COLUMNS, alertView, rows, type AlertRow, type AlertView } from './history-queries.ts';

// The console's alerts view: alert episodes (预警事件), one per customer from the first raise to
// the close after a sustained recovery, each with its messages as a timeline. Episode figures
// (opened, closed, peak, message count) come from the churn_alert_episodes view, the one definition
// BI reads too (schemas/clickhouse/010_churn_alert_episodes.sql). A customer whose latest alert was
// written before episodes existed is shown as an episode of that one alert, without an id, so
// nobody at risk drops off the list until the segmenter writes their next alert.

export type EpisodeState = 'open' | 'closed';

export type EpisodeMessageView = Pick<
  AlertView,
  'alertId' | 'episodeEvent' | 'level' | 'previousLevel' | 'riskScore' | 'cause' | 'reasons' | 'eventTime'
>;

export interface EpisodeView {
  /** Null for an alert written before episodes existed. */
  episodeId: string | null;
  customerId: string;
  state: EpisodeState;
  /** The level now: the latest message's. */
  level: string;
  peakLevel: string;
  openedAt: number;
  closedAt: number | null;
  /** Why the episode opened: event, timer, profile or rules_changed. */
  openingCause: string;
  valueTier: string | null;
  riskScore: number;
  /** The latest reasons given (a close usually gives none: then those of the message before). */
  reasons: AlertView['reasons'];
  action: string;
  messageCount: number;
  /** Newest first, at most TIMELINE_MESSAGES. */
  messages: EpisodeMessageView[];
}

/** What churn_alert_episodes says of one episode. */
export interface EpisodeSummary {
  openedAt: number;
  closedAt: number | null;
  peakLevel: string;
  messages: number;
  openingCause: string;
}

/** Messages of an episode the console shows at most: its count says how many there are. */
export const TIMELINE_MESSAGES = 20;

const LEVEL_ORDER = ['cleared', 'watch', 'warning', 'critical'];

const message = (a: AlertView): EpisodeMessageView => ({
  alertId: a.alertId,
  episodeEvent: a.episodeEvent,
  level: a.level,
  previousLevel: a.previousLevel,
  riskScore: a.riskScore,
  cause: a.cause,
  reasons: a.reasons,
  eventTime: a.eventTime,
});

/**
 * One episode as the console shows it, from its latest message, the view's summary (none for an
 * alert from before episodes) and its latest messages, newest first.
 */
export function episodeView(latest: AlertView, summary: EpisodeSummary | undefined, messages: readonly AlertView[]): EpisodeView {
  const timeline = messages.length > 0 ? messages : [latest];
  const closed = latest.episodeId === null ? latest.level === 'cleared' : latest.episodeEvent === 'closed';
  const explained = [latest, ...timeline].find((m) => m.reasons.length > 0);
  const oldest = timeline.at(-1)!;
  return {
    episodeId: latest.episodeId,
    customerId: latest.customerId,
    state: closed ? 'closed' : 'open',
    level: latest.level,
    peakLevel: summary?.peakLevel ?? LEVEL_ORDER[Math.max(...timeline.map((m) => LEVEL_ORDER.indexOf(m.level)))] ?? latest.level,
    openedAt: summary?.openedAt ?? oldest.eventTime,
    closedAt: summary ? summary.closedAt : closed ? latest.eventTime : null,
    openingCause: summary?.openingCause ?? oldest.cause,
    valueTier: latest.valueTier,
    riskScore: latest.riskScore,
    reasons: explained?.reasons ?? [],
    action: [latest, ...timeline].find((m) => m.action.trim() !== '')?.action ?? '',
    messageCount: summary?.messages ?? timeline.length,
    messages: timeline.map(message),
  };
}

// Open: each customer's latest alert, unless it closed its episode (or, before episodes, cleared).
const OPEN_SQL = `
  SELECT ${ALERT_COLUMNS}
  FROM (SELECT * FROM churn_alerts FINAL ORDER BY customer_id, sequence DESC LIMIT 1 BY customer_id)
  WHERE if(episode_id IS NULL, level != 'cleared', ifNull(episode_event, '') != 'closed')
    AND ({level:String} = '' OR level = {level:String})
  ORDER BY event_time DESC, alert_id
  LIMIT {limit:UInt32}`;

// Closed: each episode's latest message, when it closed the episode. Not every close: a raise soon
// after one continues the same episode, which is then open again.
const CLOSED_SQL = `
  SELECT ${ALERT_COLUMNS}
  FROM (SELECT * FROM churn_alerts FINAL WHERE episode_id IS NOT NULL ORDER BY customer_id, episode_id, sequence DESC LIMIT 1 BY customer_id, episode_id)
  WHERE episode_event = 'closed' AND ({level:String} = '' OR level = {level:String})
  ORDER BY event_time DESC, alert_id
  LIMIT {limit:UInt32}`;

const SUMMARIES_SQL = `
  SELECT episode_id, toUnixTimestamp64Milli(opened_at) AS opened_at, toUnixTimestamp64Milli(closed_at) AS closed_at,
         peak_level, messages, opening_cause
  FROM churn_alert_episodes
  WHERE customer_id IN {customers:Array(String)} AND episode_id IN {episodes:Array(String)}`;

const MESSAGES_SQL = `
  SELECT ${ALERT_COLUMNS}
  FROM churn_alerts FINAL
  WHERE customer_id IN {customers:Array(String)} AND episode_id IN {episodes:Array(String)}
  ORDER BY episode_id, sequence DESC
  LIMIT {perEpisode:UInt32} BY episode_id`;

interface SummaryRow {
  episode_id: string;
  opened_at: string | number;
  closed_at: string | number | null;
  peak_level: string;
  messages: string | number;
  opening_cause: string;
}

export function episodeQueries(client: ClickHouseClient) {
  return {
    /** Open episodes (newest activity first) or closed ones (latest close first), by their level now. */
    async episodes(state: EpisodeState, level: string | undefined, limit: number): Promise<EpisodeView[]> {
      const latest = (await rows<AlertRow>(client, state === 'open' ? OPEN_SQL : CLOSED_SQL, { level: level ?? '', limit })).map(alertView);
      const episodes = latest.flatMap((a) => (a.episodeId === null ? [] : [a.episodeId]));
      if (episodes.length === 0) return latest.map((a) => episodeView(a, undefined, []));
      const params = { customers: [...new Set(latest.map((a) => a.customerId))], episodes, perEpisode: TIMELINE_MESSAGES };
      const [summaryRows, messageRows] = await Promise.all([
        rows<SummaryRow>(client, SUMMARIES_SQL, params),
        rows<AlertRow>(client, MESSAGES_SQL, params),
      ]);
      const summaries = new Map(
        summaryRows.map((r) => [
          r.episode_id,
          {
            openedAt: Number(r.opened_at),
            closedAt: r.closed_at === null ? null : Number(r.closed_at),
            peakLevel: r.peak_level,
            messages: Number(r.messages),
            openingCause: r.opening_cause,
          },
        ]),
      );
      const messages = new Map<string, AlertView[]>();
      for (const m of messageRows.map(alertView)) messages.set(m.episodeId!, [...(messages.get(m.episodeId!) ?? []), m]);
      return latest.map((a) =>
        a.episodeId === null ? episodeView(a, undefined, []) : episodeView(a, summaries.get(a.episodeId), messages.get(a.episodeId) ?? []),
      );
    },
  };
}

export type EpisodeQueries = ReturnType<typeof episodeQueries>;
