-- Customers whose rows were erased here (docs/operations.md, "Customer erasure"): the sink
-- deletes an erased customer's rows from every table, recounts the hourly aggregates their rows
-- were counted in, then records them here, so an erasure is done once and a restart only applies
-- the ones not recorded yet. Holds the customer id only: the erasure list itself (Kafka) says who
-- asked and why.
CREATE TABLE IF NOT EXISTS customer_erasures
(
    customer_id String,
    erased_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY customer_id;
