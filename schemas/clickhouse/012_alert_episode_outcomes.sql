-- Alert episodes with the work done on them and how they ended (流失挽回), one row per episode, for
-- BI (which actions win customers back) and the console's inbox. A plain view, like
-- churn_alert_episodes: an episode's facts change with every alert and every workflow record.
--
-- From churn_alerts (FINAL): opened_at (event time of the first message), escalated_at (the first
-- escalation), alert_closed_at (the close after a sustained recovery, NULL while open), levels,
-- value_tier and opening_cause as in churn_alert_episodes, main_cause (the first reason code the
-- episode gave: order_gap, late_deliveries, ...), recommended_action (its first message's), and
-- alerted_at: when the segmenter decided the opening message (wall clock, detected_at). People's
-- times count from alerted_at, not from the event time: a replayed year of history opens episodes
-- whose event times are months old when anyone could see them.
--
-- From alert_workflow_events (FINAL): acknowledged_at/by, assignee (the latest assignment),
-- first_action_at (when the first action was taken), actions (distinct, each counted once),
-- closed_at/closed_by/outcome (the first close: the console's fold of the log keeps the first, and
-- ignores what a racing console wrote after it, actions included). stage: new, acknowledged,
-- acting or closed, as the console shows it.
--
-- From customer_profiles (FINAL): the customer's latest industry, region and account manager (NULL
-- without a profile: the join fills in empty values, which would read as a real industry).
CREATE VIEW IF NOT EXISTS alert_episode_facts AS
WITH
  alerts AS (
    SELECT
      customer_id, episode_id,
      min(event_time) AS opened_at,
      argMin(detected_at, sequence) AS alerted_at,
      minIf(event_time, episode_event = 'escalated') AS escalated_at_or_zero,
      countIf(episode_event = 'escalated') > 0 AS escalated,
      if(argMax(tuple(episode_event), sequence).1 = 'closed', argMax(event_time, sequence), NULL) AS alert_closed_at,
      ['cleared', 'watch', 'warning', 'critical'][max(indexOf(['cleared', 'watch', 'warning', 'critical'], level))] AS peak_level,
      argMax(level, sequence) AS last_level,
      max(event_time) AS last_event_at,
      argMin(tuple(value_tier), sequence).1 AS value_tier,
      argMin(cause, sequence) AS opening_cause,
      argMinIf(reason_codes[1], sequence, notEmpty(reason_codes)) AS main_cause,
      argMin(action, sequence) AS recommended_action
    FROM churn_alerts FINAL
    WHERE episode_id IS NOT NULL
    GROUP BY customer_id, episode_id
  ),
  work AS (
    SELECT
      customer_id, episode_id,
      1 AS worked,
      minIf(at, kind = 'closed_with_outcome') AS closed_at_or_zero,
      countIf(kind = 'closed_with_outcome') > 0 AS closed,
      minIf(at, kind = 'acknowledged') AS acknowledged_at_or_zero,
      countIf(kind = 'acknowledged') > 0 AS acknowledged,
      argMinIf(by, at, kind = 'acknowledged') AS acknowledged_by,
      argMaxIf(assignee, at, kind = 'assigned') AS assignee,
      argMinIf(by, at, kind = 'closed_with_outcome') AS closed_by,
      argMinIf(outcome, at, kind = 'closed_with_outcome') AS outcome,
      groupArrayIf(tuple(assumeNotNull(action), ifNull(action_at, at), at), kind = 'action_taken') AS action_records
    FROM alert_workflow_events FINAL
    GROUP BY customer_id, episode_id
  ),
  profiles AS (
    SELECT customer_id,
           argMax(industry, (event_time, event_id)) AS industry,
           argMax(region, (event_time, event_id)) AS region,
           argMax(account_manager, (event_time, event_id)) AS account_manager
    FROM customer_profiles FINAL
    GROUP BY customer_id
  )
SELECT
  alerts.episode_id AS episode_id,
  alerts.customer_id AS customer_id,
  alerts.opened_at AS opened_at,
  alerts.alerted_at AS alerted_at,
  if(alerts.escalated, alerts.escalated_at_or_zero, NULL) AS escalated_at,
  alerts.alert_closed_at AS alert_closed_at,
  alerts.peak_level AS peak_level,
  alerts.last_level AS last_level,
  alerts.last_event_at AS last_event_at,
  alerts.value_tier AS value_tier,
  alerts.opening_cause AS opening_cause,
  nullIf(alerts.main_cause, '') AS main_cause,
  alerts.recommended_action AS recommended_action,
  nullIf(profiles.industry, '') AS industry,
  profiles.region AS region,
  profiles.account_manager AS account_manager,
  if(work.worked = 1 AND work.acknowledged, work.acknowledged_at_or_zero, NULL) AS acknowledged_at,
  if(work.worked = 1 AND work.acknowledged, work.acknowledged_by, NULL) AS acknowledged_by,
  if(work.worked = 1, work.assignee, NULL) AS assignee,
  if(work.worked = 1 AND work.closed, work.closed_at_or_zero, NULL) AS closed_at,
  if(work.worked = 1 AND work.closed, work.closed_by, NULL) AS closed_by,
  if(work.worked = 1 AND work.closed, work.outcome, NULL) AS outcome,
  arrayFilter(r -> NOT work.closed OR r.3 <= work.closed_at_or_zero, if(work.worked = 1, work.action_records, [])) AS kept_actions,
  arraySort(arrayDistinct(arrayMap(r -> r.1, kept_actions))) AS actions,
  if(empty(kept_actions), NULL, arrayMin(arrayMap(r -> r.2, kept_actions))) AS first_action_at,
  multiIf(work.worked = 1 AND work.closed, 'closed', notEmpty(kept_actions), 'acting', work.worked = 1 AND work.acknowledged, 'acknowledged', 'new') AS stage
FROM alerts
LEFT JOIN work ON work.customer_id = alerts.customer_id AND work.episode_id = alerts.episode_id
LEFT JOIN profiles ON profiles.customer_id = alerts.customer_id;
