// Sink throughput, Kafka → ClickHouse (embedded), against the insert alone, in one run:
//   pnpm bench:sink [--customers 3000] [--days 60] [--seed 1] [--repeat 3]
//   pnpm bench:sink --synthetic 100000 [--repeat 3]
// On topics of its own (a unique prefix, deleted after):
//   1. fill: by default the pipeline's own row mix, the one bench:e2e produces: the simulator writes
//      `customers` × `days` of history into customer-events and the segmenter role applies all of
//      it (segment changes, churn alerts, feature snapshots, the rules version), so the sink writes
//      business events and every output, as in production. `--synthetic rows` writes that many
//      segment changes instead (one table, no simulator, no Redis): the earlier figures' workload,
//      kept to look at one table's path alone; the performance target is on the mix;
//   2. expected rows: every topic the sink routes, read back once, decoded and mapped by the routes'
//      own `toRows`: the rows per table, kept for step 4;
//   3. sink: the role as the app starts it (its flush settings), into a fresh embedded ClickHouse
//      folder, from the group joined until every expected row is durable (start-up shown apart);
//   4. insert alone: the same rows through `insertRows`, per table, in batches of the sink's flush
//      size, into a second fresh folder.
// Steps 3 and 4 run `repeat` times, each run printed; the figures are the runs' medians, the ratio
// each run's own (sink and insert alone measured back to back), then its median.
// Prints a table and writes the JSON to .local/bench/sink-<time>.json. Kafka, the registry and
// (for the mix) Redis: `./dev stack up`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { z } from 'zod';
import { topicNames } from '@segmentation/contracts';
import {
  createKafka,
  deleteTopics,
  kafkaSecurity,
  AvroCodec,
  provisionPipeline,
  ReliableProducer,
  topicsWithPrefix,
} from '@segmentation/kafka';
import { ConfigError, createLogger, parseConfig, runCommand } from '@segmentation/runtime';
import { loadConfig } from '../config.ts';
import { sinkRoutes } from '@segmentation/sink';
import { preloadRowMix, preloadSyntheticChanges } from './sink-row-mix.ts';
import { readRoutedRows, timeInsertAlone, timeSink, type InsertTiming, type SinkTiming } from './sink-timing.ts';

const repoRoot = join(import.meta.dirname, '..', '..', '..', '..');

await runCommand('bench:sink', async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      customers: { type: 'string', default: '3000' },
      days: { type: 'string', default: '60' },
      seed: { type: 'string', default: '1' },
      synthetic: { type: 'string' },
      repeat: { type: 'string', default: '3' },
    },
  });
  if (positionals.length > 0) throw new ConfigError(`a row count alone is the synthetic workload now: --synthetic ${positionals[0]}`);
  const opts = parseConfig(
    z.object({
      customers: z.coerce.number().int().min(100),
      days: z.coerce.number().int().min(7).max(3650),
      seed: z.coerce.number().int(),
      synthetic: z.coerce.number().int().min(1000).optional(),
      repeat: z.coerce.number().int().min(1).max(20),
    }),
    values,
  );
  const prefix = `bench-sink-${Date.now()}`;
  const folder = mkdtempSync(join(tmpdir(), 'bench-sink-'));
  const config = loadConfig({
    ...process.env,
    TOPIC_PREFIX: `${prefix}.`,
    GROUP_PREFIX: prefix,
    REDIS_KEY_PREFIX: `${prefix}:`,
    TICK_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'warn',
    OPS_PORT: '0',
    // The embedded engine in a fresh folder, whatever the shell points the product at.
    CLICKHOUSE_URL: undefined,
    CLICKHOUSE_PATH: join(folder, 'sink'), // each run sets its own below
    BI_PORT: undefined,
  });
  const topics = topicNames(config.TOPIC_PREFIX);
  const logger = createLogger({ service: 'bench-sink' }, 'warn');
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'bench-sink', security: kafkaSecurity(config) }, logger);
  const codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
  const producer = new ReliableProducer(kafka);
  try {
    await provisionPipeline(kafka, codec, topics);
    await producer.connect();

    // 1. Fill.
    const fillStarted = performance.now();
    let events: number | undefined;
    // The segmenter's warnings (an unfitted churn model) say nothing about the sink: errors only.
    const fillLogger = createLogger({ service: 'bench-sink' }, 'error');
    if (opts.synthetic === undefined) events = await preloadRowMix({ kafka, producer, codec, logger: fillLogger }, config, topics, opts);
    else await preloadSyntheticChanges({ producer, codec }, topics, opts.synthetic);
    const fillSeconds = (performance.now() - fillStarted) / 1000;

    // 2. What the sink must write.
    const routed = await readRoutedRows(kafka, codec, sinkRoutes(topics), logger);
    const rowsPerTable = Object.fromEntries([...routed.rows].map(([table, rows]) => [table, rows.length]));
    const rows = Object.values(rowsPerTable).reduce((a, b) => a + b, 0);
    if (rows === 0) throw new Error('the routed topics hold no rows to write');

    // 3 and 4, `repeat` times over the same topics (the machine's two cores are shared with Kafka and
    // the registry, and one run's figures vary by half): each run a sink group and folders of its own.
    const runs: Array<{ sink: SinkTiming; insert: InsertTiming; heapMiB: number }> = [];
    for (let run = 1; run <= opts.repeat; run++) {
      const runConfig = { ...config, GROUP_PREFIX: `${prefix}-run${run}`, CLICKHOUSE_PATH: join(folder, `sink-${run}`) };
      // Each run starts on a collected heap: the last run's garbage is not collected on its time, and
      // the live heap (the kept rows, whatever a stopped sink left behind) is what it reports.
      collectGarbage();
      const heapMiB = Math.round(process.memoryUsage().heapUsed / 1024 / 1024);
      const sink = await timeSink(runConfig, logger, new Map(Object.entries(rowsPerTable)));
      const insert = await timeInsertAlone(join(folder, `insert-alone-${run}`), routed.rows, config.SINK_FLUSH_ROWS);
      runs.push({ sink, insert, heapMiB });
      rmSync(join(folder, `sink-${run}`), { recursive: true, force: true });
      rmSync(join(folder, `insert-alone-${run}`), { recursive: true, force: true });
    }

    const perRun = runs.map(({ sink, insert, heapMiB }) => ({
      sinkStartupSeconds: round(sink.startupSeconds, 2),
      sinkDrainSeconds: round(sink.drainSeconds, 2),
      sinkRowsPerSecond: Math.round(rows / sink.drainSeconds),
      sinkRowsPerSecondWithStartup: Math.round(rows / (sink.startupSeconds + sink.drainSeconds)),
      insertSeconds: round(insert.seconds, 2),
      insertRowsPerSecond: Math.round(rows / insert.seconds),
      sinkToInsertRatio: round(insert.seconds / sink.drainSeconds, 3),
      // Cores this process kept busy (all its threads): with Kafka on the same two cores, how near
      // the sink is to the machine's limit, against the insert alone's.
      sinkCores: round(sink.cpuSeconds / sink.drainSeconds, 2),
      insertCores: round(insert.cpuSeconds / insert.seconds, 2),
      rowsWritten: Object.values(sink.written).reduce((a, b) => a + b, 0),
      deadLettered: sink.deadLettered,
      heapAtSinkStartMiB: heapMiB,
    }));
    // Per table, over every run: seconds summed, so one slow insert weighs as it did.
    const insertPerTable = Object.fromEntries(
      Object.entries(rowsPerTable).map(([table, n]) => {
        const seconds = runs.reduce((s, r) => s + (r.insert.perTable[table]?.seconds ?? 0), 0);
        return [table, { rows: n, rowsPerSecond: Math.round((n * runs.length) / seconds) }];
      }),
    );
    const result = {
      machine: { cores: cpus().length, node: process.version },
      workload:
        opts.synthetic === undefined
          ? { kind: 'mix', customers: opts.customers, days: opts.days, seed: opts.seed, events }
          : { kind: 'synthetic', segmentChanges: opts.synthetic },
      fillSeconds: round(fillSeconds, 1),
      records: Object.fromEntries(Object.entries(routed.records).map(([topic, n]) => [topic.slice(config.TOPIC_PREFIX.length), n])),
      rowsPerTable,
      rows,
      sinkFlushRows: config.SINK_FLUSH_ROWS,
      sinkFlushIntervalMs: config.SINK_FLUSH_INTERVAL_MS,
      runs: perRun,
      insertAlonePerTable: insertPerTable,
      // Medians over the runs; the ratio is each run's own (sink and insert alone measured together), then its median.
      sinkRowsPerSecond: median(perRun.map((r) => r.sinkRowsPerSecond)),
      insertRowsPerSecond: median(perRun.map((r) => r.insertRowsPerSecond)),
      sinkToInsertRatio: median(perRun.map((r) => r.sinkToInsertRatio)),
    };
    const workload =
      opts.synthetic === undefined
        ? `the pipeline's row mix: ${opts.customers} customers × ${opts.days} days (seed ${opts.seed}), ${events} events`
        : `${opts.synthetic} synthetic segment changes`;
    console.log(`
${workload}; the sink flushes at ${config.SINK_FLUSH_ROWS} rows or ${config.SINK_FLUSH_INTERVAL_MS} ms; the insert alone inserts per table, ${config.SINK_FLUSH_ROWS} rows at a time.

| table | rows | insert alone (all runs) |
|---|---|---|
${Object.entries(insertPerTable)
  .map(([table, t]) => `| ${table} | ${t.rows} | ${t.rowsPerSecond} rows/s |`)
  .join('\n')}
| all | ${rows} | |

| run | sink start-up (migrations, erasure list, group joined; not in the rate) | sink, Kafka → ClickHouse (decode, map, validate, insert, commit) | insert alone | sink / insert alone | cores busy in this process: sink, insert alone | rows written, dead-lettered |
|---|---|---|---|---|---|---|
${perRun
  .map(
    (r, i) =>
      `| ${i + 1} | ${r.sinkStartupSeconds} s | ${r.sinkRowsPerSecond} rows/s (${r.sinkDrainSeconds} s) | ${r.insertRowsPerSecond} rows/s (${r.insertSeconds} s) | ${r.sinkToInsertRatio} | ${r.sinkCores}, ${r.insertCores} | ${r.rowsWritten}, ${r.deadLettered} |`,
  )
  .join('\n')}
| median | | ${result.sinkRowsPerSecond} rows/s | ${result.insertRowsPerSecond} rows/s | ${result.sinkToInsertRatio} | | |

The machine has ${result.machine.cores} cores, shared with Kafka and the registry.`);
    const out = join(repoRoot, '.local', 'bench');
    mkdirSync(out, { recursive: true });
    const file = join(out, `sink-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\n${JSON.stringify(result)}\nwritten to ${file}`);
  } finally {
    await producer.disconnect().catch(() => undefined);
    await deleteTopics(kafka, await topicsWithPrefix(kafka, prefix)).catch(() => undefined);
    rmSync(folder, { recursive: true, force: true });
  }
});

function round(n: number, digits: number): number {
  return Number(n.toFixed(digits));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : round((sorted[mid - 1]! + sorted[mid]!) / 2, 3);
}

/** A full collection, without asking for `node --expose-gc`: the flag set at run time shows `gc` in a new context. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
