-- The work on churn alert episodes (流失预警 → 流失挽回), one row per record of the alert-workflow
-- topic: acknowledged, assigned (to an account manager), action_taken, closed_with_outcome. The id is
-- derived from the person's request (episodeId/acknowledged, .../assigned/n, .../action/<digest>,
-- .../closed), so a retried request or a redelivery has the same sorting key and ReplacingMergeTree
-- collapses it; queries read FINAL or count distinct workflow_id. Sorted by customer first, like every
-- customer table, so the console's reads of one episode and the erasure's delete reach only that
-- customer's rows.
CREATE TABLE IF NOT EXISTS alert_workflow_events
(
    workflow_id  String,
    episode_id   String,
    customer_id  String,
    kind         LowCardinality(String),
    by           String,
    at           DateTime64(3, 'UTC'),
    assignee     Nullable(String),
    action       Nullable(String),
    recommended  Nullable(Bool),
    action_at    Nullable(DateTime64(3, 'UTC')),
    outcome      LowCardinality(Nullable(String)),
    note         String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (customer_id, episode_id, workflow_id);
