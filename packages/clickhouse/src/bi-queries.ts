import type { ClickHouseClient } from '@clickhouse/client';

// The BI questions of docs/bi.md as functions. Every user value travels as a server-side parameter
// ({name:Type}), never spliced into the SQL text. Days are business days in `timeZone` (default
// Asia/Shanghai, the business's configured zone): the hourly UTC buckets of the derived tables are
// grouped into days at query time. Dates are 'YYYY-MM-DD'.

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

export interface Period {
  from: string;
  to: string;
  timeZone?: string;
}

async function rows<T>(client: ClickHouseClient, query: string, params: Record<string, unknown>): Promise<T[]> {
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return result.json<T>();
}

const period = (p: Period) => ({ from: p.from, to: p.to, timeZone: p.timeZone ?? DEFAULT_TIME_ZONE });

export const SEGMENT_SIZE_TREND_SQL = `
WITH
  flows AS (
    SELECT toDate(hour, {timeZone:String}) AS day, segment,
           toInt64(uniqExactMerge(entered)) - toInt64(uniqExactMerge(exited)) AS net
    FROM segment_flows_hourly
    WHERE dimension = {dimension:String} AND hour < toDateTime({to:Date} + 1, {timeZone:String})
    GROUP BY day, segment
  ),
  running AS (
    SELECT day, segment, sum(net) OVER (PARTITION BY segment ORDER BY day ROWS UNBOUNDED PRECEDING) AS customers
    FROM flows
  ),
  grid AS (
    SELECT toDate({from:Date} + number) AS day, segment
    FROM numbers(toUInt64(dateDiff('day', {from:Date}, {to:Date}) + 1)) AS days
    CROSS JOIN (SELECT DISTINCT segment FROM flows) AS segments
  )
SELECT toString(grid.day) AS day, grid.segment AS segment, running.customers AS customers
FROM grid ASOF LEFT JOIN running ON grid.segment = running.segment AND grid.day >= running.day
ORDER BY day, segment`;

/** Customers per segment of one dimension at the end of each day of the period (every segment, every day). */
export function segmentSizeTrend(
  client: ClickHouseClient,
  p: Period & { dimension: string },
): Promise<Array<{ day: string; segment: string; customers: number }>> {
  return rows<{ day: string; segment: string; customers: string | number }>(client, SEGMENT_SIZE_TREND_SQL, {
    ...period(p),
    dimension: p.dimension,
  }).then((r) => r.map((x) => ({ ...x, customers: Number(x.customers) })));
}

export const TRANSITION_MATRIX_SQL = `
SELECT nullIf(from_segment, '') AS from_segment, to_segment, toUInt64(uniqExactMerge(changes)) AS changes
FROM segment_transitions_hourly
WHERE dimension = {dimension:String}
  AND hour >= toDateTime({from:Date}, {timeZone:String}) AND hour < toDateTime({to:Date} + 1, {timeZone:String})
GROUP BY segment_transitions_hourly.from_segment, to_segment
ORDER BY from_segment NULLS FIRST, to_segment`;

/** How many customers moved from → to (null = their first segment) within the period. */
export function transitionMatrix(
  client: ClickHouseClient,
  p: Period & { dimension: string },
): Promise<Array<{ from_segment: string | null; to_segment: string; changes: number }>> {
  return rows<{ from_segment: string | null; to_segment: string; changes: string | number }>(client, TRANSITION_MATRIX_SQL, {
    ...period(p),
    dimension: p.dimension,
  }).then((r) => r.map((x) => ({ ...x, changes: Number(x.changes) })));
}

export const TRANSITIONS_PER_DAY_SQL = `
SELECT toString(toDate(hour, {timeZone:String})) AS day, nullIf(from_segment, '') AS from_segment, to_segment,
       toUInt64(uniqExactMerge(changes)) AS changes
FROM segment_transitions_hourly
WHERE dimension = {dimension:String}
  AND hour >= toDateTime({from:Date}, {timeZone:String}) AND hour < toDateTime({to:Date} + 1, {timeZone:String})
GROUP BY day, segment_transitions_hourly.from_segment, to_segment
ORDER BY day, from_segment NULLS FIRST, to_segment`;

/** Transitions (from → to) per business day. */
export function transitionsPerDay(
  client: ClickHouseClient,
  p: Period & { dimension: string },
): Promise<Array<{ day: string; from_segment: string | null; to_segment: string; changes: number }>> {
  return rows<{ day: string; from_segment: string | null; to_segment: string; changes: string | number }>(client, TRANSITIONS_PER_DAY_SQL, {
    ...period(p),
    dimension: p.dimension,
  }).then((r) => r.map((x) => ({ ...x, changes: Number(x.changes) })));
}

export const CHURN_ALERTS_PER_DAY_SQL = `
SELECT toString(toDate(hour, {timeZone:String})) AS day, level, toUInt64(uniqExactMerge(alerts)) AS alerts
FROM churn_alerts_hourly
WHERE hour >= toDateTime({from:Date}, {timeZone:String}) AND hour < toDateTime({to:Date} + 1, {timeZone:String})
GROUP BY day, level
ORDER BY day, level`;

/** Churn alerts per day and level; an alert with several reasons counts once (the id sets are merged). */
export function churnAlertsPerDay(client: ClickHouseClient, p: Period): Promise<Array<{ day: string; level: string; alerts: number }>> {
  return rows<{ day: string; level: string; alerts: string | number }>(client, CHURN_ALERTS_PER_DAY_SQL, period(p)).then((r) =>
    r.map((x) => ({ ...x, alerts: Number(x.alerts) })),
  );
}

export const CHURN_ALERTS_BY_REASON_SQL = `
SELECT level, reason_code, nullIf(value_tier, '') AS value_tier, toUInt64(uniqExactMerge(alerts)) AS alerts
FROM churn_alerts_hourly
WHERE hour >= toDateTime({from:Date}, {timeZone:String}) AND hour < toDateTime({to:Date} + 1, {timeZone:String})
GROUP BY level, reason_code, churn_alerts_hourly.value_tier
ORDER BY level, reason_code, value_tier NULLS FIRST`;

/** Churn alerts within the period by level, reason (流失原因) and the customer's value tier. */
export function churnAlertsByReasonAndValueTier(
  client: ClickHouseClient,
  p: Period,
): Promise<Array<{ level: string; reason_code: string; value_tier: string | null; alerts: number }>> {
  return rows<{ level: string; reason_code: string; value_tier: string | null; alerts: string | number }>(
    client,
    CHURN_ALERTS_BY_REASON_SQL,
    period(p),
  ).then((r) => r.map((x) => ({ ...x, alerts: Number(x.alerts) })));
}

export const CHURN_ALERT_EPISODES_SQL = `
SELECT episode_id, customer_id, toString(opened_at) AS opened_at, toString(closed_at) AS closed_at,
       peak_level, last_level, messages, value_tier, opening_cause
FROM churn_alert_episodes
WHERE churn_alert_episodes.opened_at >= toDateTime64({from:Date}, 3, {timeZone:String})
  AND churn_alert_episodes.opened_at < toDateTime64({to:Date} + 1, 3, {timeZone:String})
ORDER BY churn_alert_episodes.opened_at, episode_id`;

export interface ChurnAlertEpisodeRow {
  episode_id: string;
  customer_id: string;
  /** UTC, `YYYY-MM-DD hh:mm:ss.mmm`. */
  opened_at: string;
  /** Null while the episode is open. */
  closed_at: string | null;
  peak_level: string;
  last_level: string;
  messages: number;
  /** The customer's value tier when the episode opened. */
  value_tier: string | null;
  /** Why it opened: event, timer, profile or rules_changed. */
  opening_cause: string;
}

/** The alert episodes (预警事件) opened within the period: one row each, open or closed. */
export function churnAlertEpisodes(client: ClickHouseClient, p: Period): Promise<ChurnAlertEpisodeRow[]> {
  return rows<Omit<ChurnAlertEpisodeRow, 'messages'> & { messages: string | number }>(client, CHURN_ALERT_EPISODES_SQL, period(p)).then(
    (r) => r.map((x) => ({ ...x, messages: Number(x.messages) })),
  );
}

export const CUSTOMER_TIMELINE_SQL = `
SELECT toString(time) AS time, kind, id, detail FROM (
  SELECT event_time AS time, 'order' AS kind, event_id AS id,
         concat(orders.kind, ' ', order_id, ' ', toString(amount_base), ' ', base_currency) AS detail
  FROM orders FINAL WHERE customer_id = {customerId:String}
  UNION ALL
  SELECT event_time, 'shipment', event_id, concat(status, ' ', shipment_id, ' ', transport_mode)
  FROM shipments FINAL WHERE customer_id = {customerId:String}
  UNION ALL
  SELECT event_time, 'complaint', event_id, concat(action, ' ', complaint_id, ' ', category, ' ', severity)
  FROM complaints FINAL WHERE customer_id = {customerId:String}
  UNION ALL
  SELECT event_time, 'profile', event_id, concat(industry, ' ', customer_type, ' ', country)
  FROM customer_profiles FINAL WHERE customer_id = {customerId:String}
  UNION ALL
  SELECT event_time, 'segment_change', change_id, concat(dimension, ': ', ifNull(from_segment, 'none'), ' -> ', to_segment)
  FROM segment_changes FINAL WHERE customer_id = {customerId:String}
  UNION ALL
  SELECT event_time, 'churn_alert', alert_id, concat(level, ' (', arrayStringConcat(reason_codes, ', '), ')')
  FROM churn_alerts FINAL WHERE customer_id = {customerId:String}
)
ORDER BY time, kind, id`;

/** Everything that happened to one customer, in event-time order: events, segment changes, churn alerts. */
export function customerTimeline(
  client: ClickHouseClient,
  p: { customerId: string },
): Promise<Array<{ time: string; kind: string; id: string; detail: string }>> {
  return rows(client, CUSTOMER_TIMELINE_SQL, { customerId: p.customerId });
}

export const MEMBERS_ON_DATE_SQL = `
SELECT customer_id
FROM segment_memberships
WHERE dimension = {dimension:String} AND segment = {segment:String}
  AND valid_from < toDateTime64({date:Date} + 1, 3, {timeZone:String})
  AND (valid_to IS NULL OR valid_to >= toDateTime64({date:Date} + 1, 3, {timeZone:String}))
ORDER BY customer_id`;

/** Who was in a segment at the end of business day `date`. */
export async function membersOnDate(
  client: ClickHouseClient,
  p: { dimension: string; segment: string; date: string; timeZone?: string },
): Promise<string[]> {
  const r = await rows<{ customer_id: string }>(client, MEMBERS_ON_DATE_SQL, {
    dimension: p.dimension,
    segment: p.segment,
    date: p.date,
    timeZone: p.timeZone ?? DEFAULT_TIME_ZONE,
  });
  return r.map((x) => x.customer_id);
}

export const COHORT_RETENTION_SQL = `
WITH
  cohorts AS (
    SELECT customer_id, toStartOfMonth(toTimeZone(argMax(signed_up_at, (event_time, event_id)), {timeZone:String})) AS cohort_month
    FROM customer_profiles FINAL
    GROUP BY customer_id
  ),
  sizes AS (SELECT cohort_month, count() AS cohort_size FROM cohorts GROUP BY cohort_month),
  activity AS (
    SELECT DISTINCT customer_id, toStartOfMonth(toTimeZone(event_time, {timeZone:String})) AS month
    FROM orders FINAL WHERE kind = 'PLACED'
  )
SELECT toString(cohorts.cohort_month) AS cohort_month,
       toUInt32(dateDiff('month', cohorts.cohort_month, activity.month)) AS months_since_signup,
       any(sizes.cohort_size) AS cohort_size,
       uniqExact(activity.customer_id) AS active_customers,
       round(active_customers / cohort_size, 4) AS retention
FROM activity
INNER JOIN cohorts ON activity.customer_id = cohorts.customer_id
INNER JOIN sizes ON cohorts.cohort_month = sizes.cohort_month
WHERE cohorts.cohort_month >= toStartOfMonth({from:Date}) AND cohorts.cohort_month <= {to:Date}
  AND activity.month >= cohorts.cohort_month
GROUP BY cohort_month, months_since_signup
ORDER BY cohort_month, months_since_signup`;

/**
 * Of the customers who signed up in a month (their latest profile's sign-up date), how many placed
 * an order N months later. Cohorts whose sign-up month lies in the period.
 */
export function cohortRetention(
  client: ClickHouseClient,
  p: Period,
): Promise<Array<{ cohort_month: string; months_since_signup: number; cohort_size: number; active_customers: number; retention: number }>> {
  return rows<{
    cohort_month: string;
    months_since_signup: number;
    cohort_size: string | number;
    active_customers: string | number;
    retention: number;
  }>(client, COHORT_RETENTION_SQL, period(p)).then((r) =>
    r.map((x) => ({ ...x, cohort_size: Number(x.cohort_size), active_customers: Number(x.active_customers) })),
  );
}

/** The eight RFM groups as Chinese BI tools name them (R high = a recent last order). */
export const RFM_GROUPS_SQL = `
WITH
  latest AS (
    SELECT customer_id, argMax(features, (event_time, snapshot_id)) AS f
    FROM feature_snapshots FINAL
    WHERE event_time < toDateTime64({date:Date} + 1, 3, {timeZone:String})
    GROUP BY customer_id
  ),
  scored AS (
    SELECT customer_id, f[{recencyFeature:String}] AS r, f[{frequencyFeature:String}] AS fr, f[{monetaryFeature:String}] AS m
    FROM latest
    WHERE mapContains(f, {recencyFeature:String}) AND mapContains(f, {frequencyFeature:String}) AND mapContains(f, {monetaryFeature:String})
  ),
  averages AS (SELECT avg(r) AS avg_r, avg(fr) AS avg_f, avg(m) AS avg_m FROM scored),
  grouped AS (
    SELECT r <= avg_r AS r_high, fr >= avg_f AS f_high, m >= avg_m AS m_high
    FROM scored CROSS JOIN averages
  )
SELECT
  multiIf(m_high AND r_high AND f_high, '重要价值客户', m_high AND r_high, '重要发展客户', m_high AND f_high, '重要保持客户', m_high, '重要挽留客户',
          r_high AND f_high, '一般价值客户', r_high, '一般发展客户', f_high, '一般保持客户', '一般挽留客户') AS rfm_group,
  multiIf(m_high AND r_high AND f_high, 'important value', m_high AND r_high, 'important development', m_high AND f_high, 'important retention', m_high, 'important win-back',
          r_high AND f_high, 'general value', r_high, 'general development', f_high, 'general retention', 'general win-back') AS rfm_group_en,
  count() AS customers
FROM grouped
GROUP BY rfm_group, rfm_group_en
ORDER BY rfm_group_en`;

export interface RfmFeatures {
  recencyFeature: string;
  frequencyFeature: string;
  monetaryFeature: string;
}

/** Feature names the segmenter's snapshots are expected to carry for RFM; pass others if yours differ. */
export const DEFAULT_RFM_FEATURES: RfmFeatures = {
  recencyFeature: 'daysSinceLastOrder',
  frequencyFeature: 'orders365d',
  monetaryFeature: 'revenue365d',
};

/**
 * RFM 8-group distribution (重要价值客户 …) from each customer's latest feature snapshot on or
 * before the end of `date`: each of R, F, M is high or low against its average over those customers.
 */
export function rfmGroups(
  client: ClickHouseClient,
  p: { date: string; timeZone?: string } & Partial<RfmFeatures>,
): Promise<Array<{ rfm_group: string; rfm_group_en: string; customers: number }>> {
  const features = {
    ...DEFAULT_RFM_FEATURES,
    ...Object.fromEntries(Object.entries(p).filter(([k, v]) => k in DEFAULT_RFM_FEATURES && v !== undefined)),
  };
  return rows<{ rfm_group: string; rfm_group_en: string; customers: string | number }>(client, RFM_GROUPS_SQL, {
    ...features,
    date: p.date,
    timeZone: p.timeZone ?? DEFAULT_TIME_ZONE,
  }).then((r) => r.map((x) => ({ ...x, customers: Number(x.customers) })));
}
