import type { ClickHouseClient } from '@segmentation/clickhouse';
import { rows } from './history-queries.ts';

// The alert inbox (预警处理): alert episodes with the work on them, for one account manager or the
// whole team, from alert_episode_facts (schemas/clickhouse/012_alert_episode_outcomes.sql), the same
// facts BI measures. Who works an episode: whoever it was assigned to, else the account manager of
// the customer's profile. ClickHouse trails the console's own writes by the sink's flush interval:
// the page updates a row from the answer to its request, and the inbox catches up on its next read.

export type InboxState = 'open' | 'new' | 'acknowledged' | 'acting' | 'closed' | 'all';

export interface InboxFilter {
  /** An account manager; unset: the whole team. */
  assignee?: string;
  /** The episode's alert level now. */
  level?: string;
  valueTier?: string;
  industry?: string;
  region?: string;
  /**
   * Only episodes open longer than this many days (7, 30: the ones left lying), counted from when
   * the opening alert was raised (alerted_at) to the workflow's close, or to now while not closed.
   */
  openLongerThanDays?: number;
  /** open: everything not closed (the default); or one stage; or all. */
  state: InboxState;
  limit: number;
}

export interface InboxEpisode {
  episodeId: string;
  customerId: string;
  openedAt: number;
  alertedAt: number;
  alertClosedAt: number | null;
  level: string;
  peakLevel: string;
  valueTier: string | null;
  mainCause: string | null;
  industry: string | null;
  region: string | null;
  recommendedAction: string;
  assignee: string | null;
  /** assigned, or profile: nobody assigned it, the customer's account manager works it. */
  assigneeSource: 'assigned' | 'profile' | null;
  stage: string;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  actions: string[];
  closedAt: number | null;
  outcome: string | null;
  lastEventAt: number;
}

const ms = (column: string) => `toUnixTimestamp64Milli(${column})`;

// Qualified columns where the list's SELECT gives the same name to their milliseconds.
const FILTERS = `
  ({assignee:String} = '' OR ifNull(assignee, account_manager) = {assignee:String})
  AND ({level:String} = '' OR last_level = {level:String})
  AND ({valueTier:String} = '' OR value_tier = {valueTier:String})
  AND ({industry:String} = '' OR industry = {industry:String})
  AND ({region:String} = '' OR region = {region:String})
  AND ifNull(toUnixTimestamp64Milli(alert_episode_facts.closed_at), {nowMs:Int64}) - toUnixTimestamp64Milli(alert_episode_facts.alerted_at) >= {minOpenMs:Int64}`;

const STAGES = `multiIf({state:String} = 'all', true, {state:String} = 'open', stage != 'closed', stage = {state:String})`;

// Most urgent first: the level now, then the latest alert.
const INBOX_SQL = `
  SELECT episode_id, customer_id, ${ms('opened_at')} AS opened_at, ${ms('alerted_at')} AS alerted_at, ${ms('alert_closed_at')} AS alert_closed_at,
         last_level, peak_level, value_tier, main_cause, industry, region, recommended_action,
         ifNull(assignee, account_manager) AS who, multiIf(assignee IS NOT NULL, 'assigned', account_manager IS NOT NULL, 'profile', NULL) AS who_source,
         stage, ${ms('acknowledged_at')} AS acknowledged_at, acknowledged_by, actions, ${ms('closed_at')} AS closed_at, outcome, ${ms('last_event_at')} AS last_event_at
  FROM alert_episode_facts
  WHERE ${FILTERS} AND ${STAGES}
  ORDER BY indexOf(['critical', 'warning', 'watch', 'cleared'], last_level), last_event_at DESC, episode_id
  LIMIT {limit:UInt32}`;

// Who works open episodes, and how many each: the page's choice of inbox.
const ASSIGNEES_SQL = `
  SELECT ifNull(assignee, account_manager) AS who, count() AS open
  FROM alert_episode_facts
  WHERE stage != 'closed' AND who IS NOT NULL
  GROUP BY who
  ORDER BY who`;

type Num = string | number;
interface InboxRow {
  episode_id: string;
  customer_id: string;
  opened_at: Num;
  alerted_at: Num;
  alert_closed_at: Num | null;
  last_level: string;
  peak_level: string;
  value_tier: string | null;
  main_cause: string | null;
  industry: string | null;
  region: string | null;
  recommended_action: string;
  who: string | null;
  who_source: 'assigned' | 'profile' | null;
  stage: string;
  acknowledged_at: Num | null;
  acknowledged_by: string | null;
  actions: string[];
  closed_at: Num | null;
  outcome: string | null;
  last_event_at: Num;
}

const time = (v: Num | null) => (v === null ? null : Number(v));

const DAY_MS = 86_400_000;

/** `now` (wall-clock ms): the end of an episode not yet closed, for the age filter; tests pass their own. */
export function alertInbox(client: ClickHouseClient, now: () => number = Date.now) {
  return {
    async episodes(f: InboxFilter): Promise<InboxEpisode[]> {
      const found = await rows<InboxRow>(client, INBOX_SQL, {
        assignee: f.assignee ?? '',
        level: f.level ?? '',
        valueTier: f.valueTier ?? '',
        industry: f.industry ?? '',
        region: f.region ?? '',
        state: f.state,
        limit: f.limit,
        nowMs: now(),
        minOpenMs: (f.openLongerThanDays ?? 0) * DAY_MS,
      });
      return found.map((r) => ({
        episodeId: r.episode_id,
        customerId: r.customer_id,
        openedAt: Number(r.opened_at),
        alertedAt: Number(r.alerted_at),
        alertClosedAt: time(r.alert_closed_at),
        level: r.last_level,
        peakLevel: r.peak_level,
        valueTier: r.value_tier,
        mainCause: r.main_cause,
        industry: r.industry,
        region: r.region,
        recommendedAction: r.recommended_action,
        assignee: r.who,
        assigneeSource: r.who_source,
        stage: r.stage,
        acknowledgedAt: time(r.acknowledged_at),
        acknowledgedBy: r.acknowledged_by,
        actions: r.actions,
        closedAt: time(r.closed_at),
        outcome: r.outcome,
        lastEventAt: Number(r.last_event_at),
      }));
    },
    /** Account managers with open episodes, and how many each has. */
    async assignees(): Promise<Array<{ assignee: string; open: number }>> {
      return (await rows<{ who: string; open: Num }>(client, ASSIGNEES_SQL)).map((r) => ({ assignee: r.who, open: Number(r.open) }));
    },
  };
}

export type AlertInbox = ReturnType<typeof alertInbox>;
