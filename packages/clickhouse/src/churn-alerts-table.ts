import { z } from 'zod';
import type { ChurnAlert } from '@segmentation/contracts';
import { dateTime64Text, id, timeText, uint64 } from './row-values.ts';
import type { TableRow } from './table-row.ts';

/** A row of `churn_alerts` (schemas/clickhouse/003_churn_alerts.sql, episodes from 010_churn_alert_episodes.sql). */
export const churnAlertRowSchema = z
  .strictObject({
    alert_id: id,
    customer_id: id,
    level: z.enum(['watch', 'warning', 'critical', 'cleared']),
    previous_level: z.string().nullable(),
    risk_score: z.number().min(0).max(1),
    sequence: uint64,
    reason_codes: z.array(z.string().min(1)),
    reason_texts: z.array(z.string()),
    reason_values: z.array(z.number().nullable()),
    cause: z.enum(['event', 'timer', 'profile', 'rules_changed']),
    cause_event_id: z.string().nullable(),
    rule_version: z.string(),
    value_tier: z.string().nullable(),
    event_time: dateTime64Text,
    detected_at: dateTime64Text,
    action: z.string(),
    /** Null on alerts written before episodes existed. */
    episode_id: id.nullable(),
    episode_event: z.enum(['opened', 'escalated', 're_escalated', 'de_escalated', 'closed']).nullable(),
  })
  .refine((r) => r.reason_texts.length === r.reason_codes.length && r.reason_values.length === r.reason_codes.length, {
    message: 'reason_codes, reason_texts and reason_values must have one entry per reason',
    path: ['reason_codes'],
  });
export type ChurnAlertRow = z.infer<typeof churnAlertRowSchema>;

export function rowsForChurnAlert(alert: ChurnAlert): TableRow[] {
  const row: ChurnAlertRow = {
    alert_id: alert.alertId,
    customer_id: alert.customerId,
    level: alert.level,
    previous_level: alert.previousLevel,
    risk_score: alert.riskScore,
    sequence: alert.sequence,
    reason_codes: alert.reasons.map((r) => r.code),
    reason_texts: alert.reasons.map((r) => r.text),
    reason_values: alert.reasons.map((r) => r.value),
    cause: alert.cause,
    cause_event_id: alert.causeEventId,
    rule_version: alert.ruleVersion,
    value_tier: alert.valueTier,
    event_time: timeText(alert.eventTime),
    detected_at: timeText(alert.detectedAt),
    action: alert.action,
    episode_id: alert.episodeId,
    episode_event: alert.episodeEvent,
  };
  return [{ table: 'churn_alerts', row }];
}
