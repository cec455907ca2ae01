// Insert throughput of the sink's ClickHouse path alone (mappers, row validation, JSONEachRow
// insert, materialized views firing) into a fresh embedded data folder: N segment changes and N
// orders in batches, their event times spread over a year in log order. Prints a line per table and
// a JSON summary.
//   node packages/clickhouse/src/bench/insert-bench.ts [--rows 200000] [--batch 20000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectClickHouse, type ClickHouseClient } from '../client.ts';
import { migrate } from '../migrations.ts';
import { rowsForCustomerEvent } from '../business-event-tables.ts';
import { insertRows, rowsForSegmentChange } from '../table-row.ts';
import { anOrderEvent, aSegmentChange } from '@segmentation/contracts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '200000' }, batch: { type: 'string', default: '20000' } } });
const total = Number(values.rows);
const batchSize = Number(values.batch);
if (!(total > 0) || !(batchSize >= 1)) throw new Error('--rows and --batch must be positive numbers');

const start = Date.UTC(2026, 0, 1);
const segments = ['low', 'medium', 'high'];

/** Row i of each table: 50,000 customers over a year, in event-time order as the log delivers
 *  them (so a batch lands in one or two monthly partitions, as the sink's batches do). */
const timeOf = (i: number): number => start + Math.floor((i / total) * 365 * 86_400_000);
function changeRows(from: number, to: number) {
  const rows = [];
  for (let i = from; i < to; i++) {
    const sequence = Math.floor(i / 50_000) + 1;
    rows.push(rowsForSegmentChange(aSegmentChange({
      customerId: `C-${i % 50_000}`, sequence, fromSegment: sequence === 1 ? null : segments[(sequence - 2) % 3]!, toSegment: segments[(sequence - 1) % 3]!,
      eventTime: timeOf(i), causeEventId: `e-${i}`, features: { lifetimeValue: i * 1.5, orders365d: i % 40 },
    }))[0]!.row);
  }
  return rows;
}

function orderRows(from: number, to: number) {
  const rows = [];
  for (let i = from; i < to; i++) {
    rows.push(rowsForCustomerEvent(anOrderEvent({ customerId: `C-${i % 50_000}`, eventId: `o-${i}`, eventTime: timeOf(i), amountBase: 1000 + (i % 997) * 3.25 }),
      { partition: i % 12, offset: i })[0]!.row);
  }
  return rows;
}

async function measure(client: ClickHouseClient, table: string, build: (from: number, to: number) => Array<Record<string, unknown>>) {
  let busyMs = 0;
  for (let from = 0; from < total; from += batchSize) {
    const rows = build(from, Math.min(total, from + batchSize));
    const t0 = performance.now();
    await insertRows(client, table, rows); // validation and insert: what the sink's flush pays
    busyMs += performance.now() - t0;
  }
  const rowsPerSecond = Math.round(total / (busyMs / 1000));
  console.log(`${table}: ${total} rows in batches of ${batchSize}: ${(busyMs / 1000).toFixed(2)} s, ${rowsPerSecond.toLocaleString('en')} rows/s`);
  return { table, rows: total, batch: batchSize, seconds: Number((busyMs / 1000).toFixed(3)), rowsPerSecond };
}

const dir = mkdtempSync(join(tmpdir(), 'clickhouse-insert-bench-'));
const client = await connectClickHouse({ kind: 'embedded', path: join(dir, 'data') });
try {
  await migrate(client);
  const results = [await measure(client, 'segment_changes', changeRows), await measure(client, 'orders', orderRows)];
  console.log(JSON.stringify({ benchmark: 'clickhouse-insert', engine: 'embedded (chdb)', results }));
} finally {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}
