import type { z } from 'zod';
import type { ClickHouseClient } from '@clickhouse/client';
import { embeddedInsert } from './client.ts';
import type { SegmentChange } from '@segmentation/contracts';
import { complaintRowSchema, customerProfileRowSchema, orderRowSchema, shipmentRowSchema } from './business-event-tables.ts';
import { alertWorkflowRowSchema } from './alert-workflow-table.ts';
import { churnAlertRowSchema } from './churn-alerts-table.ts';
import { featureSnapshotRowSchema } from './feature-snapshots-table.ts';
import { rulesVersionRowSchema } from './rules-versions-table.ts';
import { segmentChangeRowSchema, segmentChangeRowUnchecked } from './segment-changes-table.ts';

/** One row for one table: what a record becomes on its way to ClickHouse. */
export interface TableRow {
  table: string;
  row: Record<string, unknown>;
}

/**
 * The row schema of every table the sink writes. Strict: a field the table does not have is an
 * error here, where JSONEachRow would skip it silently.
 */
export const tableRowSchemas: Readonly<Record<string, z.ZodType>> = {
  segment_changes: segmentChangeRowSchema.strict(),
  orders: orderRowSchema,
  shipments: shipmentRowSchema,
  complaints: complaintRowSchema,
  customer_profiles: customerProfileRowSchema,
  churn_alerts: churnAlertRowSchema,
  feature_snapshots: featureSnapshotRowSchema,
  rules_versions: rulesVersionRowSchema,
  alert_workflow_events: alertWorkflowRowSchema,
};

export function rowsForSegmentChange(change: SegmentChange): TableRow[] {
  return [{ table: 'segment_changes', row: segmentChangeRowUnchecked(change) }];
}

/** A row its table cannot take. Bad data: retrying cannot help, so it is never retriable. */
export class InvalidRowError extends Error {
  override name = 'InvalidRowError';
  readonly table: string;
  readonly field: string;
  readonly rowIndex: number;
  constructor(table: string, rowIndex: number, field: string, reason: string) {
    super(`invalid row for ClickHouse table ${table} (row ${rowIndex}): field ${field}: ${reason}`);
    this.table = table;
    this.field = field;
    this.rowIndex = rowIndex;
  }
}

/**
 * Validates every row against its table's schema, then inserts them in one insert: JSONEachRow
 * into a server, positional JSONCompactEachRow bytes through the embedded engine's raw insert
 * (client.ts says why). Validation first, so a bad row fails the batch with a message naming the table and field
 * (and nothing is written) instead of a parse error from deep inside the engine.
 */
export async function insertRows(client: ClickHouseClient, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  const schema = tableRowSchemas[table];
  if (schema === undefined)
    throw new Error(`no row schema for ClickHouse table ${table}: known tables are ${Object.keys(tableRowSchemas).join(', ')}`);
  if (rows.length === 0) return;
  for (let i = 0; i < rows.length; i++) {
    const result = schema.safeParse(rows[i]);
    if (!result.success) {
      const issue = result.error.issues[0];
      const field = issue?.path.length ? issue.path.join('.') : issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : '(row)';
      throw new InvalidRowError(table, i, field, issue?.message ?? 'invalid');
    }
  }
  const raw = embeddedInsert(client);
  if (!raw) {
    await client.insert({ table, values: rows, format: 'JSONEachRow' });
    return;
  }
  // Strict schemas: a validated row has no key outside its table's columns, so positions are exact.
  const columns = tableColumns(table, schema);
  const lines = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    lines[i] = JSON.stringify(columns.map((c) => row[c]));
  }
  await raw(table, columns, Buffer.from(lines.join('\n')));
}

const columnsByTable = new Map<string, readonly string[]>();
function tableColumns(table: string, schema: z.ZodType): readonly string[] {
  let columns = columnsByTable.get(table);
  if (!columns) {
    columns = Object.keys((schema as z.ZodObject).shape);
    columnsByTable.set(table, columns);
  }
  return columns;
}
