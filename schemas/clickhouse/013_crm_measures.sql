-- CRM measures (客户关系管理指标) per segment of a dimension and per business month, as a
-- parameterised view BI tools can query with one line:
--   SELECT * FROM crm_measures_monthly(dimension = 'value_tier', from_month = '2026-01-01',
--                                      to_month = '2026-03-01', timeZone = 'Asia/Shanghai')
-- (every business month from the one from_month falls in to the one to_month falls in). docs/bi.md,
-- "CRM measures", explains each column; packages/clickhouse/src/crm-queries.ts calls it.
--
-- A plain (parameterised) view, not a materialized one: a month's segment members, churn and
-- win-back come from membership intervals whose ends arrive later, which an insert-time view cannot
-- update. Every source counts a redelivered row once: the base tables are read FINAL and orders,
-- complaints and shipments are counted by their own ids; memberships come from segment_memberships
-- (over segment_changes FINAL). The event tables are read only within the period asked (they are
-- partitioned by month), so a query reads the months it shows, not the whole history.
--
-- A customer counts, in a month, under the segment they were in when the month began, or the first
-- one they entered in it if they had none then: one segment per customer and month, so a month's
-- segments add up to its customers and a move within the month does not split a customer's orders.
-- Churn and win-back read the lifecycle dimension of config/rules.yaml (segments churned and
-- won_back) whatever dimension the measures are grouped by. The churn base leaves out customers
-- already churned when the month began: they cannot churn again, and counting them would lower
-- the rate more every month as churned customers pile up in every value tier.
CREATE VIEW IF NOT EXISTS crm_measures_monthly AS
WITH
  toDateTime64(toStartOfMonth({from_month:Date}), 3, {timeZone:String}) AS period_start,
  toDateTime64(addMonths(toStartOfMonth({to_month:Date}), 1), 3, {timeZone:String}) AS period_end,
  months AS (
    SELECT addMonths(toStartOfMonth({from_month:Date}), toInt32(number)) AS month,
           toDateTime64(month, 3, {timeZone:String}) AS month_start,
           toDateTime64(addMonths(month, 1), 3, {timeZone:String}) AS month_end
    FROM numbers(toUInt64(dateDiff('month', toStartOfMonth({from_month:Date}), toStartOfMonth({to_month:Date})) + 1))
  ),
  members AS (
    SELECT months.month AS month, customer_id, argMin(segment, (valid_from, sequence)) AS segment, min(valid_from) < any(months.month_start) AS at_start
    FROM segment_memberships CROSS JOIN months
    WHERE dimension = {dimension:String} AND valid_from < months.month_end AND (valid_to IS NULL OR valid_to >= months.month_start)
    GROUP BY month, customer_id
  ),
  churned_at_start AS (
    SELECT DISTINCT months.month AS month, customer_id, 1 AS churned_at_start
    FROM segment_memberships CROSS JOIN months
    WHERE dimension = 'lifecycle' AND segment = 'churned' AND valid_from < months.month_start AND (valid_to IS NULL OR valid_to >= months.month_start)
  ),
  moves AS (
    SELECT months.month AS month, customer_id,
           max(to_segment = 'churned') AS churned, max(ifNull(from_segment, '') = 'churned' AND to_segment = 'won_back') AS won_back
    FROM segment_changes FINAL CROSS JOIN months
    WHERE dimension = 'lifecycle' AND event_time >= period_start AND event_time < period_end
      AND event_time >= months.month_start AND event_time < months.month_end
    GROUP BY month, customer_id
  ),
  bought AS (
    SELECT toStartOfMonth(toTimeZone(event_time, {timeZone:String})) AS month, customer_id, uniqExact(order_id) AS orders, sum(amount_base) AS revenue
    FROM orders FINAL
    WHERE kind = 'PLACED' AND event_time >= period_start AND event_time < period_end
    GROUP BY month, customer_id
  ),
  predicted AS (
    SELECT toStartOfMonth(toTimeZone(event_time, {timeZone:String})) AS month, customer_id, argMax(features, (event_time, snapshot_id)) AS f
    FROM feature_snapshots FINAL
    WHERE event_time >= period_start AND event_time < period_end
    GROUP BY month, customer_id
  ),
  heard AS (
    SELECT toStartOfMonth(toTimeZone(event_time, {timeZone:String})) AS month, customer_id,
           uniqExactIf(complaint_id, action = 'OPENED') AS complaints,
           sumIf(satisfaction_score, action = 'RESOLVED') AS satisfaction_sum, countIf(action = 'RESOLVED' AND satisfaction_score IS NOT NULL) AS satisfaction_answers,
           countIf(nps_score >= 9) AS promoters, countIf(nps_score <= 6) AS detractors, countIf(nps_score IS NOT NULL) AS nps_answers
    FROM complaints FINAL
    WHERE event_time >= period_start AND event_time < period_end
    GROUP BY month, customer_id
  ),
  delivered AS (
    SELECT toStartOfMonth(toTimeZone(event_time, {timeZone:String})) AS month, customer_id,
           uniqExact(shipment_id) AS shipments, uniqExactIf(shipment_id, on_time IS NOT NULL) AS known, uniqExactIf(shipment_id, ifNull(on_time, false)) AS punctual
    FROM shipments FINAL
    WHERE status = 'DELIVERED' AND event_time >= period_start AND event_time < period_end
    GROUP BY month, customer_id
  )
SELECT
  toString(members.month) AS month, members.segment AS segment,
  count() AS customers,
  countIf(members.at_start) AS customers_at_start,
  toString(sum(bought.revenue)) AS revenue,
  countIf(bought.orders >= 1) AS ordering_customers,
  countIf(bought.orders >= 2) AS repeat_customers,
  if(ordering_customers = 0, NULL, round(repeat_customers / ordering_customers, 4)) AS repeat_purchase_rate,
  countIf(mapContains(predicted.f, 'clv_12m')) AS cltv_customers,
  round(sumIf(predicted.f['clv_12m'], mapContains(predicted.f, 'clv_12m')), 2) AS cltv_sum,
  if(cltv_customers = 0, NULL, round(cltv_sum / cltv_customers, 2)) AS cltv_mean,
  countIf(members.at_start AND churned_at_start.churned_at_start = 0) AS churn_base,
  countIf(members.at_start AND churned_at_start.churned_at_start = 0 AND moves.churned) AS churned,
  if(churn_base = 0, NULL, round(churned / churn_base, 4)) AS churn_rate,
  countIf(members.at_start AND churned_at_start.churned_at_start = 1) AS churned_at_month_start,
  countIf(members.at_start AND churned_at_start.churned_at_start = 1 AND moves.won_back) AS won_back,
  if(churned_at_month_start = 0, NULL, round(won_back / churned_at_month_start, 4)) AS win_back_rate,
  sum(heard.satisfaction_answers) AS satisfaction_answers,
  if(satisfaction_answers = 0, NULL, round(sum(heard.satisfaction_sum) / satisfaction_answers, 2)) AS satisfaction,
  sum(heard.nps_answers) AS nps_answers,
  if(nps_answers = 0, NULL, round(100 * (sum(heard.promoters) - sum(heard.detractors)) / nps_answers, 1)) AS nps,
  sum(heard.complaints) AS complaints,
  sum(delivered.shipments) AS shipments_delivered,
  if(shipments_delivered = 0, NULL, round(100 * complaints / shipments_delivered, 2)) AS complaints_per_100_shipments,
  if(sum(delivered.known) = 0, NULL, round(sum(delivered.punctual) / sum(delivered.known), 4)) AS on_time_rate
FROM members
LEFT JOIN churned_at_start ON churned_at_start.month = members.month AND churned_at_start.customer_id = members.customer_id
LEFT JOIN moves ON moves.month = members.month AND moves.customer_id = members.customer_id
LEFT JOIN bought ON bought.month = members.month AND bought.customer_id = members.customer_id
LEFT JOIN predicted ON predicted.month = members.month AND predicted.customer_id = members.customer_id
LEFT JOIN heard ON heard.month = members.month AND heard.customer_id = members.customer_id
LEFT JOIN delivered ON delivered.month = members.month AND delivered.customer_id = members.customer_id
GROUP BY members.month, members.segment
ORDER BY members.month, segment;
