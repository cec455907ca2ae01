-- The raw business events of `customer-events` (imported history included), one table per kind,
-- for BI questions about orders, deliveries and complaints that the segments alone do not answer.
--
-- Redelivery: the sink writes at least once (offsets follow effects), so the same record can arrive
-- twice. Each table is a ReplacingMergeTree whose sorting key ends with event_id: a redelivered row
-- has the same key and collapses at merge time; queries read FINAL (or count distinct event_id)
-- so they are exact before the merge happens too. The same event id at another log position (a
-- duplicate the segmenter dead-letters) collapses as well, so BI never counts it twice either.
--
-- Every row carries its position in `customer-events` (log_partition, log_offset) and, when the
-- record came through ingest or import, its source position: a row can be traced back to the log
-- and to the source system's record.
--
-- Partitioned by month of event time (old months are dropped or moved as a whole, and a redelivered
-- row lands in the same partition as the first copy, which is where ReplacingMergeTree can see it).
-- Sorted by customer, then time: one customer's history and time ranges read few granules.

-- Money is Decimal(18, 4), not Float64: revenue sums over millions of orders must reconcile to the
-- cent with the source systems and be the same on every run; Float64 sums drift and depend on the
-- order in which threads and merges add them up. Four decimals cover every currency's minor unit and
-- a converted amount's rate; 18 digits leave 10^14 base-currency units per order.
CREATE TABLE IF NOT EXISTS orders
(
    event_id            String,
    customer_id         String,
    event_time          DateTime64(3, 'UTC'),
    order_id            String,
    kind                LowCardinality(String),
    amount              Decimal(18, 4),
    currency            LowCardinality(String),
    amount_base         Decimal(18, 4),
    base_currency       LowCardinality(String),
    service_level       LowCardinality(String),
    value_added_services Array(LowCardinality(String)),
    weight_kg           Nullable(Float64),
    volume_m3           Nullable(Float64),
    origin_country      LowCardinality(String),
    origin_region       LowCardinality(Nullable(String)),
    destination_country LowCardinality(String),
    destination_region  LowCardinality(Nullable(String)),
    channel             LowCardinality(Nullable(String)),
    log_partition       UInt32,
    log_offset          UInt64,
    source_topic        LowCardinality(Nullable(String)),
    source_partition    Nullable(UInt32),
    source_offset       Nullable(UInt64)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (customer_id, event_time, event_id);

CREATE TABLE IF NOT EXISTS shipments
(
    event_id               String,
    customer_id            String,
    event_time             DateTime64(3, 'UTC'),
    shipment_id            String,
    order_id               Nullable(String),
    status                 LowCardinality(String),
    transport_mode         LowCardinality(String),
    promised_delivery_time Nullable(DateTime64(3, 'UTC')),
    actual_delivery_time   Nullable(DateTime64(3, 'UTC')),
    on_time                Nullable(Bool),
    port                   LowCardinality(Nullable(String)),
    origin_country         LowCardinality(Nullable(String)),
    destination_country    LowCardinality(Nullable(String)),
    log_partition          UInt32,
    log_offset             UInt64,
    source_topic           LowCardinality(Nullable(String)),
    source_partition       Nullable(UInt32),
    source_offset          Nullable(UInt64)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (customer_id, event_time, event_id);

CREATE TABLE IF NOT EXISTS complaints
(
    event_id           String,
    customer_id        String,
    event_time         DateTime64(3, 'UTC'),
    complaint_id       String,
    action             LowCardinality(String),
    category           LowCardinality(String),
    severity           LowCardinality(String),
    shipment_id        Nullable(String),
    satisfaction_score Nullable(UInt8),
    nps_score          Nullable(UInt8),
    log_partition      UInt32,
    log_offset         UInt64,
    source_topic       LowCardinality(Nullable(String)),
    source_partition   Nullable(UInt32),
    source_offset      Nullable(UInt64)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (customer_id, event_time, event_id);

-- Profile history: every profile record, not only the latest, so a report can ask what a
-- customer's industry or account manager was at a past date (argMax over event_time <= D).
CREATE TABLE IF NOT EXISTS customer_profiles
(
    event_id         String,
    customer_id      String,
    event_time       DateTime64(3, 'UTC'),
    industry         LowCardinality(String),
    customer_type    LowCardinality(String),
    country          LowCardinality(String),
    region           LowCardinality(Nullable(String)),
    account_manager  Nullable(String),
    signed_up_at     DateTime64(3, 'UTC'),
    log_partition    UInt32,
    log_offset       UInt64,
    source_topic     LowCardinality(Nullable(String)),
    source_partition Nullable(UInt32),
    source_offset    Nullable(UInt64)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (customer_id, event_time, event_id);
