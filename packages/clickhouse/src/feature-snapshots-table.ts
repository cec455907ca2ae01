import { z } from 'zod';
import type { FeatureSnapshot } from '@segmentation/contracts';
import { dateTime64Text, id, timeText } from './row-values.ts';
import type { TableRow } from './table-row.ts';

/** A row of `feature_snapshots` (schemas/clickhouse/004_feature_snapshots.sql). */
export const featureSnapshotRowSchema = z.strictObject({
  snapshot_id: id,
  customer_id: id,
  features: z.record(z.string(), z.number()),
  attributes: z.record(z.string(), z.string()),
  segments: z.record(z.string(), z.string()),
  rule_version: z.string(),
  event_time: dateTime64Text,
  detected_at: dateTime64Text,
});
export type FeatureSnapshotRow = z.infer<typeof featureSnapshotRowSchema>;

export function rowsForFeatureSnapshot(s: FeatureSnapshot): TableRow[] {
  const row: FeatureSnapshotRow = {
    snapshot_id: s.snapshotId,
    customer_id: s.customerId,
    features: s.features,
    attributes: s.attributes,
    segments: s.segments,
    rule_version: s.ruleVersion,
    event_time: timeText(s.eventTime),
    detected_at: timeText(s.detectedAt),
  };
  return [{ table: 'feature_snapshots', row }];
}
