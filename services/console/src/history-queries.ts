import { customerTimeline, segmentSizeTrend, type ClickHouseClient } from '@segmentation/clickhouse';
import { structureReason, type StructuredReason } from '@segmentation/segmentation';

// What the console reads from ClickHouse. Every user value travels as a server-side parameter
// ({name:Type}), never spliced into the SQL text. Tables are read FINAL (or through the id-set
// views) so a redelivered row never shows twice.

export interface ChurnReasonView {
  code: string;
  text: string;
  value: number | null;
}

export interface AlertView {
  alertId: string;
  customerId: string;
  level: string;
  previousLevel: string | null;
  riskScore: number;
  reasons: ChurnReasonView[];
  action: string;
  /** event, timer, profile or rules_changed. */
  cause: string;
  valueTier: string | null;
  eventTime: number;
  detectedAt: number;
  /** The alert episode (预警事件) and what this alert did to it; null on alerts from before episodes. */
  episodeId: string | null;
  episodeEvent: string | null;
}

export interface SegmentExplanation {
  dimension: string;
  segment: string;
  sequence: number;
  since: number;
  strategy: string;
  rule: string;
  /** Each comparison behind the segment, read from the feature's side (structureReason). */
  reasons: StructuredReason[];
  flags: string[];
}

export interface TimelineEntry {
  time: string;
  kind: string;
  id: string;
  detail: string;
}

export async function rows<T>(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return result.json<T>();
}

export interface AlertRow {
  alert_id: string;
  customer_id: string;
  level: string;
  previous_level: string | null;
  risk_score: number;
  reason_codes: string[];
  reason_texts: string[];
  reason_values: Array<number | null>;
  action: string;
  cause: string;
  value_tier: string | null;
  event_time: string | number;
  detected_at: string | number;
  episode_id: string | null;
  episode_event: string | null;
}

export const ALERT_COLUMNS = `alert_id, customer_id, level, previous_level, risk_score, reason_codes, reason_texts, reason_values,
  action, cause, value_tier, toUnixTimestamp64Milli(event_time) AS event_time, toUnixTimestamp64Milli(detected_at) AS detected_at,
  episode_id, episode_event`;

/** The reasons' parallel arrays (most important first) back into one list. */
export const churnReasons = (r: Pick<AlertRow, 'reason_codes' | 'reason_texts' | 'reason_values'>): ChurnReasonView[] =>
  r.reason_codes.map((code, i) => ({ code, text: r.reason_texts[i] ?? '', value: r.reason_values[i] ?? null }));

export const alertView = (r: AlertRow): AlertView => ({
  alertId: r.alert_id,
  customerId: r.customer_id,
  level: r.level,
  previousLevel: r.previous_level,
  riskScore: r.risk_score,
  reasons: churnReasons(r),
  action: r.action,
  cause: r.cause,
  valueTier: r.value_tier,
  eventTime: Number(r.event_time),
  detectedAt: Number(r.detected_at),
  episodeId: r.episode_id,
  episodeEvent: r.episode_event,
});

export function historyQueries(client: ClickHouseClient, timeZone: string) {
  return {
    /** Customers per segment of every dimension now: entries minus exits over all history. */
    async segmentSizes(): Promise<Record<string, Record<string, number>>> {
      const r = await rows<{ dimension: string; segment: string; customers: string | number }>(
        client,
        `
        SELECT dimension, segment, toInt64(uniqExactMerge(entered)) - toInt64(uniqExactMerge(exited)) AS customers
        FROM segment_flows_hourly
        GROUP BY dimension, segment
        ORDER BY dimension, segment`,
      );
      const sizes: Record<string, Record<string, number>> = {};
      for (const x of r) (sizes[x.dimension] ??= {})[x.segment] = Number(x.customers);
      return sizes;
    },

    /** Each customer's latest alert when it is not `cleared`, newest first. */
    async currentAlerts(level: string | undefined, limit: number): Promise<AlertView[]> {
      const r = await rows<AlertRow>(
        client,
        `
        SELECT ${ALERT_COLUMNS}
        FROM (SELECT * FROM churn_alerts FINAL ORDER BY customer_id, sequence DESC LIMIT 1 BY customer_id)
        WHERE level != 'cleared' AND ({level:String} = '' OR level = {level:String})
        ORDER BY event_time DESC, alert_id
        LIMIT {limit:UInt32}`,
        { level: level ?? '', limit },
      );
      return r.map(alertView);
    },

    /** Customer ids that start with `prefix` (the tables are ordered by customer id: an index range). */
    async searchCustomers(prefix: string, limit: number): Promise<string[]> {
      const r = await rows<{ customer_id: string }>(
        client,
        `
        SELECT DISTINCT customer_id FROM segment_changes
        WHERE startsWith(customer_id, {prefix:String})
        ORDER BY customer_id
        LIMIT {limit:UInt32}`,
        { prefix, limit },
      );
      return r.map((x) => x.customer_id);
    },

    /** The change that put the customer in its current segment of each dimension, with its explanation. */
    async currentSegments(customerId: string): Promise<SegmentExplanation[]> {
      const r = await rows<{
        dimension: string;
        to_segment: string;
        sequence: string | number;
        since: string | number;
        strategy: string;
        rule: string;
        reason_conditions: string[];
        reason_features: string[];
        reason_values: number[];
        reason_thresholds: number[];
        flags: string[];
      }>(
        client,
        `
        SELECT dimension, to_segment, sequence, toUnixTimestamp64Milli(event_time) AS since, strategy, rule,
               reason_conditions, reason_features, reason_values, reason_thresholds, flags
        FROM segment_changes FINAL
        WHERE customer_id = {customerId:String}
        ORDER BY dimension, sequence DESC
        LIMIT 1 BY dimension`,
        { customerId },
      );
      return r.map((x) => ({
        dimension: x.dimension,
        segment: x.to_segment,
        sequence: Number(x.sequence),
        since: Number(x.since),
        strategy: x.strategy,
        rule: x.rule,
        reasons: x.reason_conditions.map((condition, i) =>
          structureReason({
            condition,
            feature: x.reason_features[i] ?? '',
            value: x.reason_values[i] ?? 0,
            threshold: x.reason_thresholds[i] ?? 0,
          }),
        ),
        flags: x.flags,
      }));
    },

    /** The customer's latest churn alert (any level, `cleared` included), or none. */
    async latestAlert(customerId: string): Promise<AlertView | undefined> {
      const r = await rows<AlertRow>(
        client,
        `
        SELECT ${ALERT_COLUMNS} FROM churn_alerts FINAL
        WHERE customer_id = {customerId:String}
        ORDER BY sequence DESC LIMIT 1`,
        { customerId },
      );
      return r[0] && alertView(r[0]);
    },

    /** The customer's events, changes and alerts, newest first. */
    async timeline(customerId: string, limit: number): Promise<TimelineEntry[]> {
      return (await customerTimeline(client, { customerId })).slice(-limit).reverse();
    },

    /** Customers per segment at the end of each business day of the period. */
    trend: (dimension: string, from: string, to: string) => segmentSizeTrend(client, { dimension, from, to, timeZone }),
  };
}

export type HistoryQueries = ReturnType<typeof historyQueries>;
