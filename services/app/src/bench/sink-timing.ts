// The measuring steps of bench:sink: what the sink must write, the sink writing it, the insert alone.
import { connectClickHouse, insertRows, migrate } from '@segmentation/clickhouse';
import { readTopicToEnd, type AvroCodec, type Kafka } from '@segmentation/kafka';
import { createMetricsRegistry, type Logger, type Registry } from '@segmentation/runtime';
import type { Config } from '../config.ts';
import { startPipeline } from '../pipeline.ts';
import type { SinkRoute } from '@segmentation/sink';
import { until } from './bench-wait.ts';

export interface RoutedRows {
  /** Records per routed topic (a record may become no row, such as a rules control record, or several). */
  records: Record<string, number>;
  /** Per table, the rows the sink must write, decoded and mapped by the routes' own `toRows`. */
  rows: Map<string, Array<Record<string, unknown>>>;
}

/** Reads every routed topic once, from its beginning to its end, in a group of its own that commits nothing. */
export async function readRoutedRows(kafka: Kafka, codec: AvroCodec, routes: SinkRoute[], logger: Logger): Promise<RoutedRows> {
  const records: Record<string, number> = {};
  const rows = new Map<string, Array<Record<string, unknown>>>();
  for (const route of routes) {
    records[route.topic] = await readTopicToEnd(
      kafka,
      route.topic,
      async (m) => {
        for (const r of route.toRows(await codec.decode(m.value, route.schema), m)) {
          const table = rows.get(r.table) ?? [];
          table.push(r.row);
          rows.set(r.table, table);
        }
      },
      logger,
    );
  }
  return { records, rows };
}

export interface SinkTiming {
  /** The app's start-up of the sink role: migrations, the erasure list read, the group joined. */
  startupSeconds: number;
  /** From the role started (group joined) until every expected row is durable. */
  drainSeconds: number;
  /** Per table, rows the sink made durable (more than expected only if a batch was redone). */
  written: Record<string, number>;
  deadLettered: number;
  /** CPU seconds this process used during the drain, every thread (the embedded engine's included). */
  cpuSeconds: number;
}

/**
 * The sink role as the product starts it (the app's start-up, ROLES=sink, its flush settings and
 * ClickHouse wiring), into the embedded engine at CLICKHOUSE_PATH, draining every routed topic.
 * kafkajs's `run` resolves once the consumer joined and synced its group, so the drain timed from
 * the start-up's return leaves the join out; the wait for readiness below confirms it.
 */
export async function timeSink(config: Config, logger: Logger, expected: Map<string, number>): Promise<SinkTiming> {
  const metrics = createMetricsRegistry(false);
  const startedAt = performance.now();
  const pipeline = await startPipeline({ ...config, ROLES: ['sink'] }, logger, metrics);
  const drainFrom = performance.now();
  const cpuFrom = process.cpuUsage();
  try {
    const consumer = pipeline.checks.find((c) => c.name === `consumer:${config.GROUP_PREFIX}-sink`);
    if (!consumer) throw new Error('the sink role started without its consumer');
    await until(() => consumer.isReady(), 120, 5);
    await until(
      async () => {
        const written = await byTable(metrics, 'sink_rows_written_total');
        return [...expected].every(([table, rows]) => (written[table] ?? 0) >= rows);
      },
      3600,
      10,
    );
    const drainedAt = performance.now();
    const cpu = process.cpuUsage(cpuFrom);
    return {
      startupSeconds: (drainFrom - startedAt) / 1000,
      drainSeconds: (drainedAt - drainFrom) / 1000,
      written: await byTable(metrics, 'sink_rows_written_total'),
      deadLettered: Object.values(await byTable(metrics, 'sink_messages_dead_lettered_total')).reduce((a, b) => a + b, 0),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  } finally {
    await pipeline.stop();
  }
}

export interface InsertTiming {
  seconds: number;
  /** CPU seconds this process used meanwhile, every thread. */
  cpuSeconds: number;
  perTable: Record<string, { rows: number; seconds: number }>;
}

/**
 * The same rows inserted alone into a fresh embedded folder, table after table, `batchRows` at a
 * time (the sink's flush size), through `insertRows`, which validates each row as the sink's does.
 */
export async function timeInsertAlone(
  path: string,
  rows: Map<string, Array<Record<string, unknown>>>,
  batchRows: number,
): Promise<InsertTiming> {
  const clickhouse = await connectClickHouse({ kind: 'embedded', path });
  try {
    await migrate(clickhouse);
    const perTable: InsertTiming['perTable'] = {};
    let seconds = 0;
    const cpuFrom = process.cpuUsage();
    for (const [table, tableRows] of rows) {
      const started = performance.now();
      for (let i = 0; i < tableRows.length; i += batchRows) await insertRows(clickhouse, table, tableRows.slice(i, i + batchRows));
      const tableSeconds = (performance.now() - started) / 1000;
      perTable[table] = { rows: tableRows.length, seconds: Number(tableSeconds.toFixed(3)) };
      seconds += tableSeconds;
    }
    const cpu = process.cpuUsage(cpuFrom);
    return { seconds, perTable, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    await clickhouse.close();
  }
}

/** A counter's values summed per `table` (or per `topic` where it has no table label). */
async function byTable(metrics: Registry, name: string): Promise<Record<string, number>> {
  const values = (await metrics.getSingleMetric(name)?.get())?.values ?? [];
  const sums: Record<string, number> = {};
  for (const v of values) {
    const key = String(v.labels.table ?? v.labels.topic ?? '');
    sums[key] = (sums[key] ?? 0) + v.value;
  }
  return sums;
}
