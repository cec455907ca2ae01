-- Derived views of segment_changes for BI: transitions per hour, segment entries and exits per
-- hour (daily sizes are their running sum), and membership intervals.
--
-- Why these cannot grow on a redelivered batch: a materialized view fires on every insert,
-- including a second insert of the same batch, so a count() or sum() in it would double. These
-- aggregate tables hold uniqExact states of change_id instead: the set of distinct change ids per
-- bucket. Inserting a change again adds an id already in the set, and merging states is a set union,
-- so every count read with uniqExactMerge is exact however often a batch arrives, before and after
-- background merges. (A plain view over segment_changes FINAL would be as exact but deduplicate
-- all history on every dashboard refresh; these tables are small and pre-aggregated. The cost is
-- 16 bytes of hash per change id in the states.)
--
-- Buckets are UTC hours, not days: the business day is in the configured time zone (default
-- Asia/Shanghai, whole-hour offset), which a query applies when it groups hours into days, so a
-- change of time zone needs no rebuild.
--
-- Each view is created before its backfill from the rows already in segment_changes; both the
-- backfill and an overlap with rows the view already saw add ids to the sets, which changes nothing,
-- so the backfill is safe to run again if this migration is interrupted.

CREATE TABLE IF NOT EXISTS segment_transitions_hourly
(
    hour         DateTime('UTC'),
    dimension    LowCardinality(String),
    -- '' for a customer's first segment in the dimension (a change from none)
    from_segment LowCardinality(String),
    to_segment   LowCardinality(String),
    changes      AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (dimension, hour, from_segment, to_segment);

CREATE MATERIALIZED VIEW IF NOT EXISTS segment_transitions_hourly_mv TO segment_transitions_hourly AS
SELECT
    toStartOfHour(toDateTime(event_time, 'UTC')) AS hour,
    dimension,
    ifNull(from_segment, '') AS from_segment,
    to_segment,
    uniqExactState(change_id) AS changes
FROM segment_changes
GROUP BY hour, dimension, from_segment, to_segment;

INSERT INTO segment_transitions_hourly
SELECT
    toStartOfHour(toDateTime(event_time, 'UTC')) AS hour,
    dimension,
    ifNull(from_segment, '') AS from_segment,
    to_segment,
    uniqExactState(change_id) AS changes
FROM segment_changes
GROUP BY hour, dimension, from_segment, to_segment;

-- Per segment and hour: the changes that entered it and those that left it. The size of a segment
-- at the end of a day is the running sum of entered - exited up to that day (every customer's
-- first change is from none, so the chain starts at zero).
CREATE TABLE IF NOT EXISTS segment_flows_hourly
(
    hour      DateTime('UTC'),
    dimension LowCardinality(String),
    segment   LowCardinality(String),
    entered   AggregateFunction(uniqExact, String),
    exited    AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (dimension, segment, hour);

CREATE MATERIALIZED VIEW IF NOT EXISTS segment_flows_hourly_mv TO segment_flows_hourly AS
SELECT
    toStartOfHour(toDateTime(event_time, 'UTC')) AS hour,
    dimension,
    flow.1 AS segment,
    uniqExactStateIf(change_id, flow.2 = 'enter') AS entered,
    uniqExactStateIf(change_id, flow.2 = 'exit') AS exited
FROM segment_changes
ARRAY JOIN arrayFilter(f -> f.1 != '', [(to_segment, 'enter'), (ifNull(from_segment, ''), 'exit')]) AS flow
GROUP BY hour, dimension, segment;

INSERT INTO segment_flows_hourly
SELECT
    toStartOfHour(toDateTime(event_time, 'UTC')) AS hour,
    dimension,
    flow.1 AS segment,
    uniqExactStateIf(change_id, flow.2 = 'enter') AS entered,
    uniqExactStateIf(change_id, flow.2 = 'exit') AS exited
FROM segment_changes
ARRAY JOIN arrayFilter(f -> f.1 != '', [(to_segment, 'enter'), (ifNull(from_segment, ''), 'exit')]) AS flow
GROUP BY hour, dimension, segment;

-- Membership intervals: a customer is in a segment from the change that put it there until the
-- next change in the same dimension (valid_to NULL = still there). A plain view over the
-- deduplicated table (FINAL), not a materialized one: an interval's end is only known when the
-- next change arrives, which an insert-time view cannot update, and FINAL makes a redelivered change
-- one row. "Who was in segment X at time T" is
--   valid_from <= T AND (valid_to IS NULL OR valid_to > T).
CREATE VIEW IF NOT EXISTS segment_memberships AS
SELECT
    customer_id,
    dimension,
    to_segment AS segment,
    event_time AS valid_from,
    nullIf(
        leadInFrame(event_time, 1, toDateTime64(0, 3, 'UTC')) OVER (
            PARTITION BY customer_id, dimension ORDER BY sequence ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING
        ),
        toDateTime64(0, 3, 'UTC')
    ) AS valid_to,
    change_id,
    sequence,
    rule,
    rule_version
FROM segment_changes FINAL;
