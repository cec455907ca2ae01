-- Every segment change, once per change_id: ReplacingMergeTree collapses a redelivered row
-- (same sorting key) at merge time; queries read FINAL or count distinct change_id.
CREATE TABLE IF NOT EXISTS segment_changes
(
    change_id      String,
    customer_id    String,
    dimension      LowCardinality(String),
    from_segment   Nullable(String),
    to_segment     LowCardinality(String),
    sequence       UInt64,
    cause          LowCardinality(String),
    cause_event_id Nullable(String),
    rule_version   LowCardinality(String),
    rule           LowCardinality(String),
    features       Map(String, Float64),
    event_time     DateTime64(3, 'UTC'),
    detected_at    DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (customer_id, dimension, change_id);
