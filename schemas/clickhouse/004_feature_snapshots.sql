-- A customer's features, profile attributes and segments at one point of the log (published on
-- every segment change and at most weekly otherwise), once per snapshot_id
-- (customerId/eventTime): a redelivered snapshot collapses in the ReplacingMergeTree; read FINAL.
-- Sorted by customer and time: "the latest snapshot on or before date D" is argMax per customer.
CREATE TABLE IF NOT EXISTS feature_snapshots
(
    snapshot_id  String,
    customer_id  String,
    features     Map(LowCardinality(String), Float64),
    attributes   Map(LowCardinality(String), String),
    segments     Map(LowCardinality(String), LowCardinality(String)),
    rule_version LowCardinality(String),
    event_time   DateTime64(3, 'UTC'),
    detected_at  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (customer_id, event_time, snapshot_id);
