-- Churn alerts per hour, level, reason and value tier, as uniqExact states of alert_id: a
-- redelivered alert adds an id already in the set, so the counts never grow on a second insert
-- of the same batch (see 006_segment_views.sql for the reasoning and the hourly buckets).
-- An alert with several reasons is in the set of each of its reasons; merging the states of all
-- reasons of a level counts each alert once. An alert without reasons (typically cleared) is
-- filed under the reason 'none'; a missing value tier is ''.
CREATE TABLE IF NOT EXISTS churn_alerts_hourly
(
    hour        DateTime('UTC'),
    level       LowCardinality(String),
    reason_code LowCardinality(String),
    value_tier  LowCardinality(String),
    alerts      AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, level, reason_code, value_tier);

CREATE MATERIALIZED VIEW IF NOT EXISTS churn_alerts_hourly_mv TO churn_alerts_hourly AS
SELECT
    toStartOfHour(toDateTime(event_time, 'UTC')) AS hour,
    level,
    reason_code,
    ifNull(value_tier, '') AS value_tier,
    uniqExactState(alert_id) AS alerts
FROM churn_alerts
ARRAY JOIN if(empty(reason_codes), ['none'], reason_codes) AS reason_code
GROUP BY hour, level, reason_code, value_tier;

INSERT INTO churn_alerts_hourly
SELECT
    toStartOfHour(toDateTime(event_time, 'UTC')) AS hour,
    level,
    reason_code,
    ifNull(value_tier, '') AS value_tier,
    uniqExactState(alert_id) AS alerts
FROM churn_alerts
ARRAY JOIN if(empty(reason_codes), ['none'], reason_codes) AS reason_code
GROUP BY hour, level, reason_code, value_tier;
