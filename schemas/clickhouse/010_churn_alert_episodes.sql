-- Alert episodes (预警事件): every churn alert now belongs to one episode of its customer, from the
-- first raise (opened) to its close after a sustained recovery (closed, level cleared); the
-- messages between escalate, re-escalate or de-escalate it. A raise soon after the close (within the
-- rules' reopen_days) continues the same episode: it is open again. Alerts written before episodes
-- existed read NULL in both columns and belong to no episode.
ALTER TABLE churn_alerts ADD COLUMN IF NOT EXISTS episode_id Nullable(String);
ALTER TABLE churn_alerts ADD COLUMN IF NOT EXISTS episode_event LowCardinality(Nullable(String));

-- One row per episode for BI. A plain view over the deduplicated table (FINAL), like
-- segment_memberships: an episode's close, peak and message count change with every message, which
-- an insert-time view cannot update, and FINAL makes a redelivered message one row. Grouped by
-- customer as well as episode so that a filter on customer_id (the first column of the table's
-- sorting key) reaches the table instead of scanning every episode.
-- closed_at: the time of the close when the episode's latest message closed it; NULL while open,
-- and again after a reopening. peak_level: the highest of watch < warning < critical it reached.
-- last_level: its level now (cleared once closed). value_tier and opening_cause are its first
-- message's: the customer's tier when the trouble began, and why it began (event, timer, profile or
-- rules_changed: a rules change can open many episodes at once). The tuples keep argMin and argMax
-- from skipping NULL values.
CREATE VIEW IF NOT EXISTS churn_alert_episodes AS
SELECT
    episode_id,
    customer_id,
    min(event_time) AS opened_at,
    if(argMax(tuple(episode_event), sequence).1 = 'closed', argMax(event_time, sequence), NULL) AS closed_at,
    ['cleared', 'watch', 'warning', 'critical'][max(indexOf(['cleared', 'watch', 'warning', 'critical'], level))] AS peak_level,
    argMax(level, sequence) AS last_level,
    max(event_time) AS last_event_at,
    uniqExact(alert_id) AS messages,
    argMin(tuple(value_tier), sequence).1 AS value_tier,
    argMin(cause, sequence) AS opening_cause
FROM churn_alerts FINAL
WHERE episode_id IS NOT NULL
GROUP BY customer_id, episode_id;
