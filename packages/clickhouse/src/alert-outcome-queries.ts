import type { ClickHouseClient } from '@clickhouse/client';
import { DEFAULT_TIME_ZONE, type Period } from './bi-queries.ts';

// From alert to outcome (流失预警 → 流失挽回): what happened to each alert episode, and which actions
// win customers back, over alert_episode_facts (schemas/clickhouse/012_alert_episode_outcomes.sql).
// docs/bi.md, "Alert work and outcomes", documents each query; test/alert-outcomes.integration.test.ts
// checks them on a hand-worked fixture.

const rows = async <T>(client: ClickHouseClient, query: string, params: Record<string, unknown>): Promise<T[]> =>
  (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();

/** Episodes are picked by the business day they opened on (event time). */
const OPENED_IN_PERIOD = `alert_episode_facts.opened_at >= toDateTime64({from:Date}, 3, {timeZone:String})
      AND alert_episode_facts.opened_at < toDateTime64({to:Date} + 1, 3, {timeZone:String})`;

export const ALERT_EPISODE_FACTS_SQL = `
SELECT episode_id, customer_id, toString(opened_at) AS opened_at, toString(alerted_at) AS alerted_at, toString(escalated_at) AS escalated_at,
       toString(alert_closed_at) AS alert_closed_at, peak_level, value_tier, main_cause, industry, region,
       toString(acknowledged_at) AS acknowledged_at, acknowledged_by, assignee, actions, toString(first_action_at) AS first_action_at,
       toString(closed_at) AS closed_at, outcome, stage
FROM alert_episode_facts
WHERE ${OPENED_IN_PERIOD}
ORDER BY alert_episode_facts.opened_at, episode_id`;

export interface AlertEpisodeFactRow {
  episode_id: string;
  customer_id: string;
  /** Event time of its first alert (UTC text). */
  opened_at: string;
  /** When the segmenter decided its first alert (wall clock): people's times count from here. */
  alerted_at: string;
  escalated_at: string | null;
  /** The close after a sustained recovery (the alerts' own close), NULL while open. */
  alert_closed_at: string | null;
  peak_level: string;
  value_tier: string | null;
  /** Its first reason code: order_gap, late_deliveries, open_complaints, ... */
  main_cause: string | null;
  industry: string | null;
  region: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  assignee: string | null;
  actions: string[];
  first_action_at: string | null;
  /** When a person closed the work on it with an outcome. */
  closed_at: string | null;
  outcome: string | null;
  /** new, acknowledged, acting or closed. */
  stage: string;
}

/** One row per alert episode opened within the period: its alerts, the work on it and its outcome. */
export function alertEpisodeFacts(client: ClickHouseClient, p: Period): Promise<AlertEpisodeFactRow[]> {
  return rows<AlertEpisodeFactRow>(client, ALERT_EPISODE_FACTS_SQL, { from: p.from, to: p.to, timeZone: p.timeZone ?? DEFAULT_TIME_ZONE });
}

// An episode with two actions counts under each; an episode with none is the row whose action is
// NULL: the comparison that says whether the actions work. Won back: a person closed it as retained
// or won_back within 90 days of the alert. Ordered: the customer placed an order (event time)
// within 90 days after the episode opened, whoever recorded what: the measure that also judges the
// episodes nobody worked, which rarely get an outcome recorded. Revenue recovered: what the
// customers of the episodes counted as won back ordered (placed orders' value in the base currency,
// exact decimals) in the 90 days after the close: what the save was worth, beside how often it came.
export const ALERT_ACTION_OUTCOMES_SQL = `
WITH
  facts AS (
    SELECT * FROM alert_episode_facts
    WHERE ${OPENED_IN_PERIOD}
      AND ({includeRulesChanged:Bool} OR opening_cause != 'rules_changed')
  ),
  ordered AS (
    SELECT DISTINCT facts.episode_id AS episode_id
    FROM facts
    INNER JOIN (SELECT customer_id, event_time FROM orders FINAL WHERE kind = 'PLACED') AS placed ON placed.customer_id = facts.customer_id
    WHERE placed.event_time > facts.opened_at AND placed.event_time <= facts.opened_at + INTERVAL 90 DAY
  ),
  recovered AS (
    SELECT facts.episode_id AS recovered_episode_id, sum(placed.amount_base) AS recovered_revenue
    FROM facts
    INNER JOIN (SELECT customer_id, event_time, amount_base FROM orders FINAL WHERE kind = 'PLACED') AS placed ON placed.customer_id = facts.customer_id
    WHERE facts.outcome IN ('retained', 'won_back') AND facts.closed_at <= facts.alerted_at + INTERVAL 90 DAY
      AND placed.event_time > facts.closed_at AND placed.event_time <= facts.closed_at + INTERVAL 90 DAY
    GROUP BY recovered_episode_id
  )
SELECT
  nullIf(taken, '') AS action,
  value_tier,
  main_cause,
  industry,
  uniqExact(episode_id) AS episodes,
  countIf(acknowledged_at IS NOT NULL) AS acknowledged,
  round(avgOrNull(dateDiff('second', alerted_at, acknowledged_at)) / 3600, 2) AS avg_hours_to_acknowledge,
  round(avgOrNull(dateDiff('second', alerted_at, first_action_at)) / 3600, 2) AS avg_hours_to_act,
  countIf(outcome IN ('retained', 'won_back') AND closed_at <= alerted_at + INTERVAL 90 DAY) AS won_back_90d,
  round(won_back_90d / episodes, 4) AS won_back_rate_90d,
  countIf(outcome = 'lost') AS lost,
  countIf(episode_id IN (SELECT episode_id FROM ordered)) AS ordered_90d,
  round(ordered_90d / episodes, 4) AS ordered_rate_90d,
  toString(sum(recovered_revenue)) AS revenue_recovered_90d
FROM facts
ARRAY JOIN if(empty(actions), [''], actions) AS taken
LEFT JOIN recovered ON recovered.recovered_episode_id = facts.episode_id
GROUP BY action, value_tier, main_cause, industry
ORDER BY action NULLS FIRST, value_tier NULLS FIRST, main_cause NULLS FIRST, industry NULLS FIRST`;

export interface AlertActionOutcomeRow {
  /** NULL: the episodes on which no action was recorded. */
  action: string | null;
  value_tier: string | null;
  main_cause: string | null;
  industry: string | null;
  episodes: number;
  acknowledged: number;
  avg_hours_to_acknowledge: number | null;
  avg_hours_to_act: number | null;
  won_back_90d: number;
  won_back_rate_90d: number;
  lost: number;
  ordered_90d: number;
  ordered_rate_90d: number;
  /**
   * Placed orders' value (base currency, exact decimal text) of the won-back episodes' customers in
   * the 90 days after the close; an episode under two actions counts under each. "0" when none.
   */
  revenue_recovered_90d: string;
}

type Counted = 'episodes' | 'acknowledged' | 'won_back_90d' | 'lost' | 'ordered_90d';

/**
 * Measures per action × value tier × main cause × industry of the episodes opened within the
 * period, with the episodes where no action was taken as their own rows (action NULL). Episodes
 * opened by a rules change are left out unless asked for (a rules change opens many at once).
 */
export function alertActionOutcomes(
  client: ClickHouseClient,
  p: Period & { includeRulesChanged?: boolean },
): Promise<AlertActionOutcomeRow[]> {
  return rows<Omit<AlertActionOutcomeRow, Counted> & Record<Counted, string | number>>(client, ALERT_ACTION_OUTCOMES_SQL, {
    from: p.from,
    to: p.to,
    timeZone: p.timeZone ?? DEFAULT_TIME_ZONE,
    includeRulesChanged: p.includeRulesChanged ?? false,
  }).then((r) =>
    r.map((x) => ({
      ...x,
      episodes: Number(x.episodes),
      acknowledged: Number(x.acknowledged),
      won_back_90d: Number(x.won_back_90d),
      lost: Number(x.lost),
      ordered_90d: Number(x.ordered_90d),
    })),
  );
}
