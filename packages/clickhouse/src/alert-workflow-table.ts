import { z } from 'zod';
import type { AlertWorkflowEvent } from '@segmentation/contracts';
import { dateTime64Text, id, nullableTimeText, timeText } from './row-values.ts';
import type { TableRow } from './table-row.ts';

/** A row of `alert_workflow_events` (schemas/clickhouse/011_alert_workflow_events.sql). */
export const alertWorkflowRowSchema = z.strictObject({
  workflow_id: id,
  episode_id: id,
  customer_id: id,
  kind: z.enum(['acknowledged', 'assigned', 'action_taken', 'closed_with_outcome']),
  by: z.string().min(1),
  at: dateTime64Text,
  assignee: z.string().min(1).nullable(),
  action: z.string().min(1).nullable(),
  recommended: z.boolean().nullable(),
  action_at: dateTime64Text.nullable(),
  outcome: z.enum(['retained', 'won_back', 'lost', 'not_a_churn_risk']).nullable(),
  note: z.string(),
});
export type AlertWorkflowRow = z.infer<typeof alertWorkflowRowSchema>;

export function rowsForAlertWorkflowEvent(e: AlertWorkflowEvent): TableRow[] {
  const row: AlertWorkflowRow = {
    workflow_id: e.workflowId,
    episode_id: e.episodeId,
    customer_id: e.customerId,
    kind: e.kind,
    by: e.by,
    at: timeText(e.at),
    assignee: e.assignee,
    action: e.action,
    recommended: e.recommended,
    action_at: nullableTimeText(e.actionAt),
    outcome: e.outcome,
    note: e.note,
  };
  return [{ table: 'alert_workflow_events', row }];
}

/** The columns the console reads back as an AlertWorkflowEvent (times as epoch ms). */
export const ALERT_WORKFLOW_COLUMNS = `workflow_id, episode_id, customer_id, kind, by, toUnixTimestamp64Milli(at) AS at, assignee, action, recommended,
  toUnixTimestamp64Milli(action_at) AS action_at, outcome, note`;

/** A row read with ALERT_WORKFLOW_COLUMNS (64-bit numbers may come back as text). */
export interface AlertWorkflowReadRow {
  workflow_id: string;
  episode_id: string;
  customer_id: string;
  kind: string;
  by: string;
  at: string | number;
  assignee: string | null;
  action: string | null;
  recommended: boolean | null;
  action_at: string | number | null;
  outcome: string | null;
  note: string;
}

export const alertWorkflowEventOf = (r: AlertWorkflowReadRow): AlertWorkflowEvent => ({
  workflowId: r.workflow_id,
  episodeId: r.episode_id,
  customerId: r.customer_id,
  kind: r.kind as AlertWorkflowEvent['kind'],
  by: r.by,
  at: Number(r.at),
  assignee: r.assignee,
  action: r.action,
  recommended: r.recommended,
  actionAt: r.action_at === null ? null : Number(r.action_at),
  outcome: r.outcome as AlertWorkflowEvent['outcome'],
  note: r.note,
});
