// Insert throughput of the sink's ClickHouse path alone (mappers, row validation, the embedded raw
// insert, materialized views firing) into a fresh embedded data folder: N segment changes and N
// orders in batches, their event times spread over a year in log order. Then the engine's own
// ceiling in the same run: the same number of segment changes made inside the engine by
// INSERT ... SELECT FROM numbers() in the same batches (no client, no text, no parsing; the
// materialized views fire as for the sink), so `ofCeiling` says how much of the engine's speed the
// sink's path keeps; and the engine's JSON parsing alone: the same rows as text into a Null-engine
// copy of the table, which parses and stores nothing. Prints a line per measure and a JSON summary.
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
    rows.push(
      rowsForSegmentChange(
        aSegmentChange({
          customerId: `C-${i % 50_000}`,
          sequence,
          fromSegment: sequence === 1 ? null : segments[(sequence - 2) % 3]!,
          toSegment: segments[(sequence - 1) % 3]!,
          eventTime: timeOf(i),
          causeEventId: `e-${i}`,
          features: { lifetimeValue: i * 1.5, orders365d: i % 40 },
        }),
      )[0]!.row,
    );
  }
  return rows;
}

function orderRows(from: number, to: number) {
  const rows = [];
  for (let i = from; i < to; i++) {
    rows.push(
      rowsForCustomerEvent(
        anOrderEvent({ customerId: `C-${i % 50_000}`, eventId: `o-${i}`, eventTime: timeOf(i), amountBase: 1000 + (i % 997) * 3.25 }),
        { partition: i % 12, offset: i },
      )[0]!.row,
    );
  }
  return rows;
}

async function measure(label: string, insertBatch: (from: number, to: number) => Promise<number>) {
  let busyMs = 0;
  for (let from = 0; from < total; from += batchSize) busyMs += await insertBatch(from, Math.min(total, from + batchSize));
  const rowsPerSecond = Math.round(total / (busyMs / 1000));
  console.log(
    `${label}: ${total} rows in batches of ${batchSize}: ${(busyMs / 1000).toFixed(2)} s, ${rowsPerSecond.toLocaleString('en')} rows/s`,
  );
  return { measure: label, rows: total, batch: batchSize, seconds: Number((busyMs / 1000).toFixed(3)), rowsPerSecond };
}

/** Validation and insert of rows built beforehand: what the sink's flush pays. */
const viaInsertRows =
  (client: ClickHouseClient, table: string, build: (from: number, to: number) => Array<Record<string, unknown>>) =>
  async (from: number, to: number) => {
    const rows = build(from, to);
    const t0 = performance.now();
    await insertRows(client, table, rows);
    return performance.now() - t0;
  };

/** Rows i of segment_changes like changeRows' (other change ids), made by the engine itself. */
const insideEngine = (client: ClickHouseClient) => async (from: number, to: number) => {
  const t0 = performance.now();
  await client.command({
    query: `INSERT INTO segment_changes (change_id, customer_id, dimension, from_segment, to_segment, sequence, cause,
              cause_event_id, rule_version, rule, features, event_time, detected_at, strategy,
              reason_conditions, reason_features, reason_values, reason_thresholds, flags)
            SELECT concat('engine-', toString(number)), concat('C-', toString(number % 50000)), 'value_tier', 'low', 'high',
              intDiv(number, 50000) + 1, 'event', concat('e-', toString(number)), 'r1', 'value_tier.high.enter',
              map('lifetimeValue', number * 1.5, 'orders365d', toFloat64(number % 40)),
              fromUnixTimestamp64Milli(toInt64({start:UInt64} + intDiv(number * 365 * 86400000, {total:UInt64})), 'UTC'),
              now64(3, 'UTC'), 'standard service', ['order_value_365d >= 500'], ['order_value_365d'], [1000.0], [500.0], []
            FROM numbers({from:UInt64}, {count:UInt64})`,
    query_params: { start, total, from, count: to - from },
  });
  return performance.now() - t0;
};

const dir = mkdtempSync(join(tmpdir(), 'clickhouse-insert-bench-'));
const client = await connectClickHouse({ kind: 'embedded', path: join(dir, 'data') });
try {
  await migrate(client);
  const changes = await measure('segment_changes', viaInsertRows(client, 'segment_changes', changeRows));
  const orders = await measure('orders', viaInsertRows(client, 'orders', orderRows));
  await client.command({ query: 'CREATE TABLE segment_changes_parse_only AS segment_changes ENGINE = Null' });
  const parsing = await measure('segment_changes parsed only (JSONEachRow into a Null table)', async (from, to) => {
    const rows = changeRows(from, to);
    const t0 = performance.now();
    await client.insert({ table: 'segment_changes_parse_only', values: rows, format: 'JSONEachRow' });
    return performance.now() - t0;
  });
  const ceiling = await measure('segment_changes made inside the engine (ceiling)', insideEngine(client));
  const ofCeiling = Number((changes.rowsPerSecond / ceiling.rowsPerSecond).toFixed(2));
  console.log(`segment_changes through the sink's path / inside the engine: ${ofCeiling}`);
  console.log(
    JSON.stringify({ benchmark: 'clickhouse-insert', engine: 'embedded (chdb)', results: [changes, orders, parsing, ceiling], ofCeiling }),
  );
} finally {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}
