// Loading a hand-made fixture into ClickHouse as the sink would: the sink's row mappers, then one
// insert per table. The BI, alert-outcome and CRM tests call it twice with the same batch, as a
// redelivery after a crash would, so their answers hold only if a row counts once.
import { insertRows, type ClickHouseClient, type TableRow } from '@segmentation/clickhouse';

export async function insertBatch(client: ClickHouseClient, tableRows: readonly TableRow[]): Promise<void> {
  const byTable = new Map<string, Array<Record<string, unknown>>>();
  for (const { table, row } of tableRows) byTable.set(table, [...(byTable.get(table) ?? []), row]);
  for (const [table, rows] of byTable) await insertRows(client, table, rows);
}
