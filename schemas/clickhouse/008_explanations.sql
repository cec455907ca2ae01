-- Explanations on the outputs: a segment change carries the business's strategy for the
-- new segment, the comparisons that put the customer there (four parallel arrays, most important
-- first, so BI can ARRAY JOIN them) and the overlapping traits; a churn alert carries the
-- recommended action. Rows written before this migration read the defaults.
ALTER TABLE segment_changes ADD COLUMN IF NOT EXISTS strategy String DEFAULT '';
ALTER TABLE segment_changes ADD COLUMN IF NOT EXISTS reason_conditions Array(String);
ALTER TABLE segment_changes ADD COLUMN IF NOT EXISTS reason_features Array(LowCardinality(String));
ALTER TABLE segment_changes ADD COLUMN IF NOT EXISTS reason_values Array(Float64);
ALTER TABLE segment_changes ADD COLUMN IF NOT EXISTS reason_thresholds Array(Float64);
ALTER TABLE segment_changes ADD COLUMN IF NOT EXISTS flags Array(LowCardinality(String));
ALTER TABLE churn_alerts ADD COLUMN IF NOT EXISTS action String DEFAULT '';
