-- The CRM measures of 013_crm_measures.sql, same name, parameters, columns and answers, read in a
-- way that does not grow with the whole history on every call. docs/bi.md, "CRM measures", shows
-- the view; docs/performance.md has the figures before and after.
--
-- What 013 spent its time on: every call rebuilt the segment memberships of every customer from
-- the whole history (segment_memberships: segment_changes FINAL, then a window over each
-- customer's changes), once for the members and once more for the lifecycle, and joined them to
-- the months; and, the larger part for a year, it copied each snapshot's whole map of features
-- (60 of them) into argMax to keep a month's latest, where one of them is read. Here argMax keeps
-- only what is read: whether the map has clv_12m, and its value.
--
-- The state of a customer at a month's start is the segment of their last change before it (in
-- sequence; a customer's change times never go back, their clock only advances), and a customer
-- is in a month's rows when they have a change in the dimension before the month's end: the same
-- answers as 013's membership intervals, from one aggregation per customer and month over the
-- changes of the two dimensions asked up to the period's end, without a window. These
-- aggregates (argMax, argMin, max, and whether a count is above zero) give the same result when a
-- redelivered change is counted twice, so segment_changes is read without FINAL; every other
-- source is read as 013 reads it.
CREATE OR REPLACE VIEW crm_measures_monthly AS
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
    SELECT months.month AS month, customer_id,
           countIf(event_time < months.month_start) > 0 AS at_start,
           if(at_start, argMaxIf(to_segment, sequence, event_time < months.month_start), argMin(to_segment, (event_time, sequence))) AS segment
    FROM segment_changes CROSS JOIN months
    WHERE dimension = {dimension:String} AND event_time < period_end AND event_time < months.month_end
    GROUP BY month, customer_id
  ),
  lifecycle AS (
    SELECT months.month AS month, customer_id,
           argMaxIf(to_segment, sequence, event_time < months.month_start) = 'churned' AS churned_at_start,
           maxIf(to_segment = 'churned', event_time >= months.month_start) AS churned,
           maxIf(ifNull(from_segment, '') = 'churned' AND to_segment = 'won_back', event_time >= months.month_start) AS won_back
    FROM segment_changes CROSS JOIN months
    WHERE dimension = 'lifecycle' AND event_time < period_end AND event_time < months.month_end
    GROUP BY month, customer_id
  ),
  bought AS (
    SELECT toStartOfMonth(toTimeZone(event_time, {timeZone:String})) AS month, customer_id, uniqExact(order_id) AS orders, sum(amount_base) AS revenue
    FROM orders FINAL
    WHERE kind = 'PLACED' AND event_time >= period_start AND event_time < period_end
    GROUP BY month, customer_id
  ),
  predicted AS (
    SELECT toStartOfMonth(toTimeZone(event_time, {timeZone:String})) AS month, customer_id, argMax((mapContains(features, 'clv_12m'), features['clv_12m']), (event_time, snapshot_id)) AS clv
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
  countIf(predicted.clv.1) AS cltv_customers,
  round(sumIf(predicted.clv.2, predicted.clv.1), 2) AS cltv_sum,
  if(cltv_customers = 0, NULL, round(cltv_sum / cltv_customers, 2)) AS cltv_mean,
  countIf(members.at_start AND NOT lifecycle.churned_at_start) AS churn_base,
  countIf(members.at_start AND NOT lifecycle.churned_at_start AND lifecycle.churned) AS churned,
  if(churn_base = 0, NULL, round(churned / churn_base, 4)) AS churn_rate,
  countIf(members.at_start AND lifecycle.churned_at_start) AS churned_at_month_start,
  countIf(members.at_start AND lifecycle.churned_at_start AND lifecycle.won_back) AS won_back,
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
LEFT JOIN lifecycle ON lifecycle.month = members.month AND lifecycle.customer_id = members.customer_id
LEFT JOIN bought ON bought.month = members.month AND bought.customer_id = members.customer_id
LEFT JOIN predicted ON predicted.month = members.month AND predicted.customer_id = members.customer_id
LEFT JOIN heard ON heard.month = members.month AND heard.customer_id = members.customer_id
LEFT JOIN delivered ON delivered.month = members.month AND delivered.customer_id = members.customer_id
GROUP BY members.month, members.segment
ORDER BY members.month, segment;
