-- Every churn alert (流失预警), once per alert_id: the id is derived from its cause
-- (customer/churn/sequence), so a re-emission or a redelivery has the same sorting key and
-- ReplacingMergeTree collapses it; queries read FINAL or count distinct alert_id.
-- Reasons are three parallel arrays (code, text, value), most important first, so the per-reason
-- view can ARRAY JOIN the codes without parsing JSON.
CREATE TABLE IF NOT EXISTS churn_alerts
(
    alert_id       String,
    customer_id    String,
    level          LowCardinality(String),
    previous_level LowCardinality(Nullable(String)),
    risk_score     Float64,
    sequence       UInt64,
    reason_codes   Array(LowCardinality(String)),
    reason_texts   Array(String),
    reason_values  Array(Nullable(Float64)),
    cause          LowCardinality(String),
    cause_event_id Nullable(String),
    rule_version   LowCardinality(String),
    value_tier     LowCardinality(Nullable(String)),
    event_time     DateTime64(3, 'UTC'),
    detected_at    DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (customer_id, alert_id);
