import { z } from 'zod';
import type { SegmentChange } from '@segmentation/contracts';

/** A row of `segment_changes` (schemas/clickhouse/001_segment_changes.sql). */
export const segmentChangeRowSchema = z.object({
  change_id: z.string().min(1),
  customer_id: z.string().min(1),
  dimension: z.string().min(1),
  from_segment: z.string().nullable(),
  to_segment: z.string().min(1),
  sequence: z.number().int().positive(),
  cause: z.string(),
  cause_event_id: z.string().nullable(),
  rule_version: z.string(),
  rule: z.string(),
  features: z.record(z.string(), z.number()),
  event_time: z.string(),
  detected_at: z.string(),
  strategy: z.string(),
  reason_conditions: z.array(z.string()),
  reason_features: z.array(z.string()),
  reason_values: z.array(z.number()),
  reason_thresholds: z.array(z.number()),
  flags: z.array(z.string()),
});
export type SegmentChangeRow = z.infer<typeof segmentChangeRowSchema>;

/** Epoch ms as the text a DateTime64(3, 'UTC') column reads unambiguously: `2026-12-07 21:14:46.123`. */
export function toDateTime64(ms: number): string {
  const iso = new Date(ms).toISOString();
  // Slices rather than two replaces: every row of every table has one or more of these.
  return iso.length === 24 ? `${iso.slice(0, 10)} ${iso.slice(11, 23)}` : iso.replace('T', ' ').replace('Z', '');
}

export function segmentChangeRow(c: SegmentChange): SegmentChangeRow {
  return segmentChangeRowSchema.parse(segmentChangeRowUnchecked(c));
}

/**
 * The row before validation, for callers that validate a whole batch at insert time (insertRows)
 * and want the error to name the table and field rather than throw from the mapper.
 */
export function segmentChangeRowUnchecked(c: SegmentChange): SegmentChangeRow {
  return {
    change_id: c.changeId,
    customer_id: c.customerId,
    dimension: c.dimension,
    from_segment: c.fromSegment,
    to_segment: c.toSegment,
    sequence: c.sequence,
    cause: c.cause,
    cause_event_id: c.causeEventId,
    rule_version: c.ruleVersion,
    rule: c.rule,
    features: c.features,
    event_time: Number.isFinite(c.eventTime) ? toDateTime64(c.eventTime) : `invalid time ${c.eventTime}`,
    detected_at: Number.isFinite(c.detectedAt) ? toDateTime64(c.detectedAt) : `invalid time ${c.detectedAt}`,
    strategy: c.strategy,
    reason_conditions: c.reasons.map((r) => r.condition),
    reason_features: c.reasons.map((r) => r.feature),
    reason_values: c.reasons.map((r) => r.value),
    reason_thresholds: c.reasons.map((r) => r.threshold),
    flags: c.flags,
  };
}
