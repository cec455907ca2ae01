// Customer erasure: `pnpm erase-customer` puts a customer on the erasure list while the
// pipeline runs. Two runs read the same simulated log, each a child process running ingest, the
// segmenter and the sink (embedded ClickHouse of its own): one keeps everyone, the other has
// customer X erased half-way. Afterwards nothing of X is in Redis or ClickHouse, everyone else is
// exactly as in the run that kept X, the hourly aggregates count X no more, a state rebuild does not
// bring X back, and after a restart ingest drops X's new orders while it forwards everyone else's.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CUSTOMER_TABLES, connectClickHouse, type ClickHouseClient } from '@segmentation/clickhouse';
import { anOrder, avroSchemas, CUSTOMER_EVENTS_PARTITIONS, topicNames, valueSubject, type CustomerEvent } from '@segmentation/contracts';
import { AvroCodec, createKafka, CustomerEventLogWriter, provisionPipeline, readTopicToEnd, ReliableProducer } from '@segmentation/kafka';
import { createLogger } from '@segmentation/runtime';
import { simulateHistory } from '@segmentation/simulator';
import { connectRedis, customerKey, timersKey } from '@segmentation/state';
import { deleteTopicsWithPrefix } from './harness/kafka-state.ts';
import { processesOfTestFile } from './harness/pipeline-processes.ts';
import { pipelineDone } from './harness/pipeline-progress.ts';
import { deleteRunKeys, runEnv } from './harness/segmenter-run.ts';
import { repoRoot, testServices } from './harness/services.ts';
import { storedStates } from './harness/stored-states.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const logger = createLogger({ service: 'erasure-test' }, 'warn');
const kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'erasure-test' }, logger);
const codec = new AvroCodec(services.schemaRegistryUrl);
const processes = processesOfTestFile('erasure test', async () => {
  for (const name of [kept, erased]) {
    await deleteRunKeys(services.redisUrl, name);
    await deleteTopicsWithPrefix(kafka, name);
  }
});
const kept = uniqueName('erasure-kept');
const erased = uniqueName('erasure-erased');
const run = promisify(execFile);

const env = (name: string) => ({
  ...runEnv(services, name),
  ROLES: 'ingest,segmenter,sink',
  OPS_PORT: '0',
  CLICKHOUSE_PATH: join(processes.logDir, `${name}-clickhouse`),
  SINK_FLUSH_INTERVAL_MS: '200',
  LOG_LEVEL: 'info',
});
const topics = (name: string) => topicNames(`${name}.`);
const done = (name: string, ingest = false) =>
  processes.guard(waitFor(`${name}: through everything`, () => pipelineDone(kafka, name, { ingest }), 180_000));

async function withClickHouse<T>(name: string, work: (client: ClickHouseClient) => Promise<T>): Promise<T> {
  const client = await connectClickHouse({ kind: 'embedded', path: env(name).CLICKHOUSE_PATH });
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}
const rows = async <T>(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}) =>
  (await client.query({ query, format: 'JSONEachRow', query_params: params })).json<T>();
const rowsOf = (client: ClickHouseClient, table: string, customerId: string) =>
  rows<{ n: string }>(client, `SELECT count() AS n FROM ${table} WHERE customer_id = {id:String}`, { id: customerId }).then((r) =>
    Number(r[0]!.n),
  );
const changeIds = (client: ClickHouseClient) =>
  rows<{ change_id: string; customer_id: string }>(client, 'SELECT change_id, customer_id FROM segment_changes FINAL ORDER BY change_id');

/** The hourly aggregates, summed, next to the same counts made from the rows themselves. */
async function aggregatesAndRows(client: ClickHouseClient) {
  const q = (sql: string) =>
    rows<Record<string, string>>(client, sql).then((r) => r.map((x) => Object.values(x).map(String).join(' ')).sort());
  return {
    entered: await q('SELECT dimension, segment, uniqExactMerge(entered) FROM segment_flows_hourly GROUP BY dimension, segment'),
    enteredFromRows: await q('SELECT dimension, to_segment, uniqExact(change_id) FROM segment_changes GROUP BY dimension, to_segment'),
    transitions: await q('SELECT dimension, uniqExactMerge(changes) FROM segment_transitions_hourly GROUP BY dimension'),
    transitionsFromRows: await q('SELECT dimension, uniqExact(change_id) FROM segment_changes GROUP BY dimension'),
    alerts: await q('SELECT level, uniqExactMerge(alerts) FROM churn_alerts_hourly GROUP BY level'),
    alertsFromRows: await q('SELECT level, uniqExact(alert_id) FROM churn_alerts GROUP BY level'),
  };
}

async function redisHolds(name: string, customerId: string): Promise<{ record: boolean; timers: boolean }> {
  const redis = await connectRedis(services.redisUrl);
  try {
    const scores = await Promise.all(
      Array.from({ length: CUSTOMER_EVENTS_PARTITIONS }, (_, p) => redis.zscore(timersKey(`${name}:`, p), customerId)),
    );
    return { record: (await redis.exists(customerKey(`${name}:`, customerId))) === 1, timers: scores.some((s) => s !== null) };
  } finally {
    redis.disconnect();
  }
}

const cli = (file: string, name: string, args: string[]) =>
  run(process.execPath, [join(repoRoot, 'services', 'app', 'src', file), ...args], {
    env: { ...process.env, ...env(name), LOG_LEVEL: 'warn' },
    cwd: repoRoot,
  });

describe('erasing a customer while the pipeline runs', () => {
  it('removes them everywhere, changes nobody else, and nothing brings them back', async () => {
    const events = await simulateHistory({ seed: 23, customers: 60, days: 150, start: '2025-03-01' });
    const perCustomer = new Map<string, number>();
    for (const e of events) perCustomer.set(e.customerId, (perCustomer.get(e.customerId) ?? 0) + 1);
    const [x] = [...perCustomer].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]!; // the busiest customer
    const half = Math.floor(events.length / 2);
    expect(events.slice(half).some((e) => e.customerId === x)).toBe(true);

    const producer = new ReliableProducer(kafka);
    await producer.connect();
    try {
      const writers = new Map<string, CustomerEventLogWriter>();
      for (const name of [kept, erased]) {
        await provisionPipeline(kafka, codec, topics(name));
        writers.set(name, await CustomerEventLogWriter.open(producer, codec, topics(name).customerEvents));
        processes.start(name, env(name));
      }
      const write = async (name: string, batch: CustomerEvent[]) => {
        for (let i = 0; i < batch.length; i += 2000) await writers.get(name)!.write(batch.slice(i, i + 2000));
      };
      await write(kept, events);
      await write(erased, events.slice(0, half));
      await done(erased);
      expect(await redisHolds(erased, x)).toEqual({ record: true, timers: true });

      // Erased while the pipeline runs; the command waits until the segmenter removed the state.
      const { stdout } = await cli('erase-cli.ts', erased, [x, '--reason', 'TICKET-4711', '--by', 'erasure-test', '--yes', '--wait', '60']);
      expect(stdout).toContain(`on the erasure list: ${x}`);
      expect(stdout).toContain('Redis: their state is removed');
      expect(await redisHolds(erased, x)).toEqual({ record: false, timers: false });

      await write(erased, events.slice(half)); // X's later events among everyone else's
      await done(erased);
      await done(kept);
      expect(await redisHolds(erased, x)).toEqual({ record: false, timers: false });
      const reference = await storedStates(services.redisUrl, `${kept}:`);
      expect(reference.has(x)).toBe(true);
      reference.delete(x);
      const states = await storedStates(services.redisUrl, `${erased}:`);
      expect(states.size).toBeGreaterThan(40);
      expect(states).toEqual(reference);
      await processes.stopAll();

      // ClickHouse: none of X's rows; everyone else's changes exactly those of the run that kept X.
      const keptChanges = await withClickHouse(kept, async (client) => {
        expect(await rowsOf(client, 'orders', x)).toBeGreaterThan(0);
        expect(await rowsOf(client, 'segment_changes', x)).toBeGreaterThan(0);
        return changeIds(client);
      });
      await withClickHouse(erased, async (client) => {
        for (const table of CUSTOMER_TABLES) expect(await rowsOf(client, table, x), table).toBe(0);
        expect(await rows(client, 'SELECT customer_id FROM customer_erasures FINAL')).toEqual([{ customer_id: x }]);
        expect(await changeIds(client)).toEqual(keptChanges.filter((c) => c.customer_id !== x));
        const counts = await aggregatesAndRows(client);
        expect(counts.entered).toEqual(counts.enteredFromRows);
        expect(counts.transitions).toEqual(counts.transitionsFromRows);
        expect(counts.alerts).toEqual(counts.alertsFromRows);
      });

      // A rebuild from customer-events (which still holds X's events) leaves X out.
      const rebuilt = JSON.parse((await cli('rebuild-cli.ts', erased, ['--yes'])).stdout) as { customers: number };
      expect(rebuilt.customers).toBe(states.size);
      expect(await storedStates(services.redisUrl, `${erased}:`)).toEqual(states);
      expect(await redisHolds(erased, x)).toEqual({ record: false, timers: false });

      // Restarted, ingest drops X's new order and forwards everyone else's.
      processes.start(`${erased}-restarted`, env(erased));
      const y = [...states.keys()][0]!;
      const orderId = await codec.register(valueSubject(topics(erased).orders), avroSchemas.order);
      const [ofX, ofY] = [anOrder({ customerId: x, amount: 900 }), anOrder({ customerId: y, amount: 900 })];
      await producer.send(
        topics(erased).orders,
        [ofX, ofY].map((o) => ({ key: o.customerId, value: codec.encode(orderId, avroSchemas.order, o) })),
      );
      await processes.guard(
        waitFor(
          "Y's order applied",
          async () => (await storedStates(services.redisUrl, `${erased}:`)).get(y)?.state !== states.get(y)!.state || undefined,
          120_000,
        ),
      );
      await done(erased, true);
      const forwarded: string[] = [];
      await readTopicToEnd(kafka, topics(erased).customerEvents, async (m) => {
        const e = await codec.decode<CustomerEvent>(m.value, avroSchemas.customerEvent);
        if (e.eventId === ofX.eventId || e.eventId === ofY.eventId) forwarded.push(e.customerId);
      });
      expect(forwarded).toEqual([y]);
      expect(await redisHolds(erased, x)).toEqual({ record: false, timers: false });
      await processes.stopAll();
      await withClickHouse(erased, async (client) => {
        for (const table of CUSTOMER_TABLES) expect(await rowsOf(client, table, x), table).toBe(0);
        expect(await rowsOf(client, 'orders', y)).toBeGreaterThan(0);
      });
      const xChanges = keptChanges.filter((c) => c.customer_id === x).length;
      console.log(
        `erasure: ${events.length} events, ${perCustomer.get(x)} of them customer ${x}'s (${xChanges} segment changes), ${states.size} other customers unchanged`,
      );
    } finally {
      await producer.disconnect();
    }
  }, 600_000);
});
