import type { RulesVersionRecord } from '@segmentation/contracts';
import { z } from 'zod';
import { dateTime64Text, id, timeText } from './row-values.ts';
import type { TableRow } from './table-row.ts';

/** A row of `rules_versions` (schemas/clickhouse/005_rules_versions.sql, `note` from 015_rules_version_notes.sql). */
export const rulesVersionRowSchema = z.strictObject({
  version: id,
  content: z.string(),
  applied_at: dateTime64Text,
  applied_by: z.string().min(1),
  note: z.string(),
});
export type RulesVersionRow = z.infer<typeof rulesVersionRowSchema>;

export function rowsForRulesVersion(v: RulesVersionRecord): TableRow[] {
  const row: RulesVersionRow = {
    version: v.version,
    content: v.content,
    applied_at: timeText(v.appliedAt),
    applied_by: v.appliedBy,
    note: v.note,
  };
  return [{ table: 'rules_versions', row }];
}
