// Live-sources benchmark (docs/sources.md, "Speed"), against the services of `./dev stack up` and
// `./dev stack up connect`:
//   pnpm bench:sources [--orders 100000] [--customers 3000] [--rate 200] [--seconds 20] [--cdc-customers 500]
// In one run, on topics of a private prefix (bench-sources-<time>-…):
//   1. JSON adapter against Avro: the same `orders` orders of `customers` customers, published once
//      as the project's Avro to the orders contract topic and once as JSON objects in an order
//      system's own column names to a JSON topic (mapped by a sources-file entry); each topic is read
//      by an ingest of its own, the product's entry point in a process of its own (ROLES=ingest), into
//      customer-events; events/s of each, from its first committed offset to the topic's end, and the
//      ratio JSON / Avro;
//   2. database commit → segment change: a private PostgreSQL (test/harness/postgres-server.ts), an
//      orders and a waybills table, the shipped connector template (infra/connect/postgres.json)
//      through Kafka Connect, ingest and a segmenter in one process (ROLES=ingest,segmenter) reading
//      the shipped example sources file's entries for those tables; rows inserted and updated at
//      `rate` row changes/s for `seconds`, each in a transaction of its own; per row, from its commit
//      (the transaction's commit time as Debezium reports it, `source.ts_ms`) to the Kafka timestamp
//      of the first segment change it caused (the change's causeEventId is the change event's id:
//      a name-based UUID of its table topic and log position, mapped-source.ts's changeEventId).
// Prints a table and the JSON (also written to .local/bench/sources-<time>.json). The topics, schema
// subjects, Redis keys, the connector, the database and the sources files are removed after, also
// when a step failed; the roles' logs stay in .local/bench/.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { anOrder, avroSchemas, topicNames, valueSubject, type Order, type SegmentChange } from '@segmentation/contracts';
import { changeEventId, parseChange } from '@segmentation/ingest';
import {
  AvroCodec,
  committedPositions,
  createKafka,
  deleteConnector,
  deleteTopics,
  ensureTopics,
  groupAssignment,
  fillConnector,
  kafkaSecurity,
  parseConnectorFile,
  provisionPipeline,
  putConnector,
  ReliableProducer,
  tailTopics,
  topicOffsets,
  topicsWithPrefix,
  type Kafka,
} from '@segmentation/kafka';
import { createLogger, parseConfig, runCommand, type Logger } from '@segmentation/runtime';
import { deleteKeysWithPrefix } from '@segmentation/state';
import { postgresConnectorStreaming } from '../../../../test/harness/connector-state.ts';
import { startPostgresServer, type PostgresServerHandle } from '../../../../test/harness/postgres-server.ts';
import { connectConfiguredRedis, loadConfig, type Config } from '../config.ts';

const repoRoot = join(import.meta.dirname, '..', '..', '..', '..');

await runCommand('bench:sources', async () => {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '100000' },
      customers: { type: 'string', default: '3000' },
      rate: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '20' },
      'cdc-customers': { type: 'string', default: '500' },
    },
  });
  const opts = parseConfig(
    z.object({
      orders: z.coerce.number().int().min(100),
      customers: z.coerce.number().int().min(1),
      rate: z.coerce.number().int().min(1).max(5000),
      seconds: z.coerce.number().int().min(1).max(600),
      'cdc-customers': z.coerce.number().int().min(1),
    }),
    values,
  );
  const base = `bench-sources-${Date.now()}`;
  const config = loadConfig({ ...process.env, TOPIC_PREFIX: `${base}.`, GROUP_PREFIX: base, REDIS_KEY_PREFIX: `${base}:` });
  const connectUrl = (process.env.CONNECT_URL ?? 'http://127.0.0.1:8083').replace(/\/$/, '');
  const logger = createLogger({ service: 'bench-sources' }, 'error');
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'bench-sources', security: kafkaSecurity(config) }, logger);
  const codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
  const producer = new ReliableProducer(kafka);
  const files = mkdtempSync(join(tmpdir(), 'bench-sources-'));
  const cleanups: Array<[what: string, run: () => Promise<unknown>]> = [];
  try {
    await producer.connect();
    const orders = benchOrders(opts.orders, opts.customers);

    // 1. The same orders through the Avro contract topic and through a JSON topic.
    const avro = await adapterRun('avro', orders, { kafka, codec, producer, config, base, files, cleanups });
    const json = await adapterRun('json', orders, { kafka, codec, producer, config, base, files, cleanups });
    console.log(`adapters: avro ${avro.eventsPerSecond} events/s, json ${json.eventsPerSecond} events/s`);

    // 2. Database commit → segment change.
    const cdc = await commitToChange(opts, { kafka, codec, config, base, files, cleanups, connectUrl, logger });

    const result = {
      date: new Date().toISOString(),
      machine: { cores: (await import('node:os')).cpus().length, node: process.version },
      adapters: {
        orders: opts.orders,
        customers: opts.customers,
        avro,
        json,
        jsonToAvro: Number((json.eventsPerSecond / avro.eventsPerSecond).toFixed(3)),
      },
      commitToChange: cdc,
    };
    console.log(`
| figure | value |
|---|---|
| Avro: ${opts.orders} orders of ${opts.customers} customers, contract topic → customer-events (ingest in a process of its own) | ${avro.eventsPerSecond} events/s (${avro.forwarded} forwarded in ${avro.seconds} s, ${avro.deadLettered} dead-lettered) |
| JSON: the same orders in an order system's own columns, mapped by a sources-file entry → customer-events | ${json.eventsPerSecond} events/s (${json.forwarded} forwarded in ${json.seconds} s, ${json.deadLettered} dead-lettered) |
| JSON / Avro | ${(result.adapters.jsonToAvro * 100).toFixed(1)} % |
| database commit → segment change acknowledged (${cdc.rowChanges} row changes at ${opts.rate}/s for ${opts.seconds} s, ${opts['cdc-customers']} customers; PostgreSQL → Debezium → ingest → segmenter) | p50 ${cdc.p50Ms} ms, p95 ${cdc.p95Ms} ms, p99 ${cdc.p99Ms} ms |
| row changes forwarded as events / rows that caused a segment change | ${cdc.events} / ${cdc.rowsThatChangedASegment} |
| of which commit → change event in Kafka (Debezium) | p50 ${cdc.captureHop.p50} ms, p95 ${cdc.captureHop.p95} ms, p99 ${cdc.captureHop.p99} ms |`);
    const out = join(repoRoot, '.local', 'bench');
    mkdirSync(out, { recursive: true });
    const file = join(out, `sources-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\n${JSON.stringify(result)}\nwritten to ${file}`);
  } finally {
    // In reverse order of creation: the roles stop before their topics go, the connector before its database.
    for (const [what, run] of cleanups.reverse()) await run().catch((err: unknown) => console.error(`cleanup: ${what}: ${String(err)}`));
    await producer.disconnect().catch(() => undefined);
    await (async () => deleteTopics(kafka, await topicsWithPrefix(kafka, base)))().catch((err: unknown) =>
      console.error(`cleanup: topics: ${String(err)}`),
    );
    await deleteSubjects(config.SCHEMA_REGISTRY_URL, base).catch((err: unknown) => console.error(`cleanup: subjects: ${String(err)}`));
    const redis = await connectConfiguredRedis(config);
    await deleteKeysWithPrefix(redis, base).finally(() => redis.disconnect());
    rmSync(files, { recursive: true, force: true });
  }
});

interface Shared {
  kafka: Kafka;
  codec: AvroCodec;
  config: Config;
  base: string;
  files: string;
  cleanups: Array<[string, () => Promise<unknown>]>;
}

/** Orders of a few thousand customers over the last days, some of them returns, in event-time order. */
function benchOrders(count: number, customers: number): Order[] {
  const start = Date.now() - 3 * 86_400_000;
  const step = (2 * 86_400_000) / count;
  return Array.from({ length: count }, (_, i) =>
    anOrder({
      customerId: `C-BENCH-${(i * 7919) % customers}`,
      orderId: `O-${i}`,
      kind: i % 17 === 16 ? 'RETURNED' : 'PLACED',
      eventTime: Math.round(start + i * step),
      amount: 500 + (i % 997) * 40,
      currency: i % 5 === 0 ? 'USD' : 'CNY',
      serviceLevel: i % 3 === 0 ? 'EXPRESS' : 'STANDARD',
    }),
  );
}

/** An order as an order system writes it in its own columns (the JSON source's mapping renames them). */
function orderRow(o: Order) {
  return {
    uid: o.eventId,
    cust_no: o.customerId,
    so_number: o.orderId,
    event: o.kind === 'RETURNED' ? 'refunded' : 'created',
    ts: new Date(o.eventTime).toISOString(),
    total: o.amount.toFixed(2),
    ccy: o.currency,
    svc: o.serviceLevel.toLowerCase(),
    vas: o.valueAddedServices.join(';'),
    kg: o.weightKg,
    cbm: o.volumeM3,
    from_country: o.originCountry,
    from_region: o.originRegion,
    to_country: o.destinationCountry,
    channel: o.channel,
  };
}

function jsonOrdersMapping() {
  return {
    columns: {
      eventId: 'uid',
      customerId: 'cust_no',
      orderId: 'so_number',
      kind: 'event',
      eventTime: 'ts',
      amount: 'total',
      currency: 'ccy',
      serviceLevel: 'svc',
      valueAddedServices: 'vas',
      weightKg: 'kg',
      volumeM3: 'cbm',
      originCountry: 'from_country',
      originRegion: 'from_region',
      destinationCountry: 'to_country',
      channel: 'channel',
    },
    values: { kind: { created: 'PLACED', refunded: 'RETURNED' } },
  };
}

/** Step 1 for one format: publish the orders, then time an ingest of its own over them. */
async function adapterRun(format: 'avro' | 'json', orders: Order[], s: Shared & { producer: ReliableProducer }) {
  const prefix = `${s.base}-${format}`;
  const topics = topicNames(`${prefix}.`);
  await provisionPipeline(s.kafka, s.codec, topics);
  let source = topics.orders;
  let sourcesFile: string | undefined;
  if (format === 'avro') {
    const schemaId = await s.codec.register(valueSubject(topics.orders), avroSchemas.order);
    for (let i = 0; i < orders.length; i += 5000)
      await s.producer.send(
        topics.orders,
        orders.slice(i, i + 5000).map((o) => ({ key: o.customerId, value: s.codec.encode(schemaId, avroSchemas.order, o) })),
      );
  } else {
    source = `${prefix}.oms-orders`;
    await ensureTopics(s.kafka, [{ topic: source, partitions: 12 }]);
    for (let i = 0; i < orders.length; i += 5000)
      await s.producer.send(
        source,
        orders.slice(i, i + 5000).map((o) => ({ key: o.customerId, value: Buffer.from(JSON.stringify(orderRow(o))) })),
      );
    sourcesFile = join(s.files, 'json-sources.json');
    writeFileSync(
      sourcesFile,
      JSON.stringify({ sources: [{ format: 'json', kind: 'order', topic: source, mapping: jsonOrdersMapping() }] }),
    );
  }
  // Timed from the moment the ingest group holds the topic's partitions (observed by polling, at
  // most a poll late) to the moment every offset is committed: the process's start and its group
  // join are left out, and every batch is counted (ingest fetches a partition a megabyte at a time,
  // so timing from the first committed offset would leave out a twelfth of the work or more).
  const roles = await startRoles(s.config, prefix, 'ingest', sourcesFile, false);
  s.cleanups.push([`the ${format} ingest process`, () => roles.stop()]);
  const group = `${prefix}-ingest`;
  const committed = async () =>
    [...(await committedPositions(s.kafka, group, source)).values()].reduce((n, p) => n + Math.max(0, p.offset), 0);
  await until(async () => {
    roles.alive();
    const assignment = await groupAssignment(s.kafka, group, source);
    return assignment.state === 'Stable' && [...assignment.members.values()].some((partitions) => partitions.length > 0);
  }, 120);
  const started = performance.now();
  await until(async () => (roles.alive(), (await committed()) >= orders.length), 1800);
  const seconds = (performance.now() - started) / 1000;
  await roles.stop();
  const forwarded = await endOffsets(s.kafka, topics.customerEvents);
  return {
    forwarded,
    deadLettered: await endOffsets(s.kafka, topics.ordersDeadLetter),
    seconds: Number(seconds.toFixed(2)),
    eventsPerSecond: Math.round(orders.length / seconds),
  };
}

/** Step 2: rows committed in PostgreSQL at a paced rate, each row's commit to its first segment change. */
async function commitToChange(
  opts: { rate: number; seconds: number; 'cdc-customers': number },
  s: Shared & { connectUrl: string; logger: Logger },
) {
  const prefix = `${s.base}-cdc`;
  const topics = topicNames(`${prefix}.`);
  // Also the replication slot's and publication's name: letters, digits and _ only.
  const slot = prefix.replace(/[^a-z0-9_]/g, '_');
  const tableTopic = (table: string) => `${prefix}.cdc-postgres.public.${table}`;
  const db: PostgresServerHandle = await startPostgresServer();
  s.cleanups.push(['the database', () => db.remove()]);
  await db.sql(`
    CREATE TABLE orders (order_id text PRIMARY KEY, customer_id text NOT NULL, status text NOT NULL, amount numeric(18, 2) NOT NULL, currency text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE waybills (waybill_no text PRIMARY KEY, order_id text NOT NULL, customer_id text NOT NULL, status text NOT NULL, transport_mode text, delivered_at timestamptz, updated_at timestamptz NOT NULL DEFAULT now());
    ALTER TABLE orders REPLICA IDENTITY FULL; ALTER TABLE waybills REPLICA IDENTITY FULL;`);
  await ensureTopics(s.kafka, [
    { topic: tableTopic('orders'), partitions: 12 },
    { topic: tableTopic('waybills'), partitions: 12 },
  ]);
  // The connector template the product ships, filled as `./dev stack up connect` fills it.
  const file = parseConnectorFile(readFileSync(join(repoRoot, 'infra', 'connect', 'postgres.json'), 'utf8'), 'postgres.json');
  const filled = fillConnector(
    { ...file, name: prefix },
    {
      TOPIC_PREFIX: `${prefix}.`,
      CDC_POSTGRES_HOST: db.host,
      CDC_POSTGRES_PORT: String(db.port),
      CDC_POSTGRES_USER: db.user,
      CDC_POSTGRES_DATABASE: db.database,
      CDC_POSTGRES_TABLES: 'public.orders,public.waybills',
      CDC_POSTGRES_SLOT: slot,
      CDC_POSTGRES_PUBLICATION: slot,
    },
  );
  if ('missing' in filled) throw new Error(`infra/connect/postgres.json needs ${filled.missing.join(', ')}`);
  s.cleanups.push(['the connector', () => deleteConnector(s.connectUrl, prefix)]);
  await putConnector(s.connectUrl, prefix, filled.config);
  await until(() => postgresConnectorStreaming(s.connectUrl, prefix, db, slot), 180);

  // The shipped example's entries for these two tables.
  const example = JSON.parse(readFileSync(join(repoRoot, 'infra', 'sources.example.json'), 'utf8')) as {
    sources: Array<{ topic?: string }>;
  };
  const sourcesFile = join(s.files, 'cdc-sources.json');
  writeFileSync(sourcesFile, JSON.stringify({ sources: example.sources.filter((e) => /public\.(orders|waybills)$/.test(e.topic ?? '')) }));
  const roles = await startRoles(s.config, prefix, 'ingest,segmenter', sourcesFile);
  s.cleanups.push(['the ingest and segmenter process', () => roles.stop()]);

  // Every change event's id and commit time, and every segment change's cause and Kafka timestamp.
  const committedAt = new Map<string, { commit: number; captured: number }>();
  const firstChange = new Map<string, number>();
  let lastChangeAt = Date.now();
  const tail = await tailTopics(
    s.kafka,
    {
      topics: [tableTopic('orders'), tableTopic('waybills'), topics.segmentChanges],
      backlogPerPartition: 1_000_000,
      groupPrefix: `${prefix}-tail`,
    },
    async (m) => {
      if (m.topic === topics.segmentChanges) {
        const change = await s.codec.decode<SegmentChange>(m.value, avroSchemas.segmentChange);
        if (change.causeEventId !== null && !firstChange.has(change.causeEventId)) firstChange.set(change.causeEventId, m.timestamp);
        lastChangeAt = Date.now();
        return;
      }
      const parsed = parseChange(m.value);
      if ('change' in parsed && parsed.change.committedAt !== undefined)
        committedAt.set(changeEventId(m.topic, parsed.change.position), { commit: parsed.change.committedAt, captured: m.timestamp });
    },
    s.logger,
  );
  s.cleanups.push(['the tail', () => tail.stop()]);
  await until(() => tail.isReady(), 60);

  // One psql session fed statement by statement: each in a transaction of its own, as an order
  // system commits them; a psql per batch would spend the shared cores on starting processes.
  const psql = spawn('psql', ['-h', db.host, '-p', String(db.port), '-U', db.user, '-d', db.database, '-v', 'ON_ERROR_STOP=1', '-qAt'], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  s.cleanups.push(['psql', () => stopChild(psql, 'SIGTERM')]);
  const rowChanges = opts.rate * opts.seconds;
  const statements = rowChangeStatements(opts['cdc-customers']);
  const started = Date.now();
  let sent = 0;
  while (sent < rowChanges) {
    if (psql.exitCode !== null) throw new Error(`psql exited with ${psql.exitCode} while writing rows`);
    const due = Math.min(rowChanges, Math.floor(((Date.now() - started) / 1000) * opts.rate) + 1);
    const batch: string[] = [];
    for (; sent < due; sent++) batch.push(statements.next().value);
    if (batch.length > 0) psql.stdin.write(`${batch.join('\n')}\n`);
    // Until the next row is due: rows go in one by one, as an order system's users commit them.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + (sent / opts.rate) * 1000 - Date.now())));
  }
  psql.stdin.end();
  if (psql.exitCode === null) await new Promise((resolve) => psql.once('exit', resolve));
  if (psql.exitCode !== 0) throw new Error(`psql exited with ${psql.exitCode}`);
  const writeSeconds = (Date.now() - started) / 1000;

  // Every change captured, forwarded, and applied with its outputs acknowledged; then a little for the tail.
  await until(() => (roles.alive(), committedAt.size >= rowChanges), 300);
  await until(async () => {
    roles.alive();
    const ends = await topicOffsets(s.kafka, topics.customerEvents);
    const done = await committedPositions(s.kafka, `${prefix}-segmenter`, topics.customerEvents);
    return [...ends].every(([p, { high }]) => Number(high) === 0 || done.get(p)?.offset === Number(high));
  }, 300);
  await until(() => Date.now() - lastChangeAt > 2000, 60);
  const events = await endOffsets(s.kafka, topics.customerEvents);
  const latencies: number[] = [];
  const captureHops: number[] = [];
  for (const [id, { commit, captured }] of committedAt) {
    captureHops.push(captured - commit);
    const changedAt = firstChange.get(id);
    if (changedAt !== undefined) latencies.push(changedAt - commit);
  }
  return {
    rate: opts.rate,
    seconds: opts.seconds,
    writeSeconds: Number(writeSeconds.toFixed(1)),
    rowChanges,
    changeEvents: committedAt.size,
    events,
    rowsThatChangedASegment: latencies.length,
    ...percentiles(latencies, 'Ms'),
    captureHop: percentiles(captureHops, ''),
  };
}

/**
 * The row changes of an order system's day, endlessly: an order placed, its waybill picked up, a
 * few changes later the waybill delivered, and one order in five returned a little after that.
 */
function* rowChangeStatements(customers: number): Generator<string, never> {
  for (let j = 0; ; j++) {
    const customer = `C-CDC-${(j * 7919) % customers}`;
    const amount = (500 + (j % 997) * 40).toFixed(2);
    yield `INSERT INTO orders (order_id, customer_id, status, amount, currency) VALUES ('O-${j}', '${customer}', 'placed', ${amount}, 'CNY');`;
    yield `INSERT INTO waybills (waybill_no, order_id, customer_id, status, transport_mode) VALUES ('W-${j}', 'O-${j}', '${customer}', 'picked_up', 'sea');`;
    if (j >= 3) yield `UPDATE waybills SET status = 'delivered', delivered_at = now(), updated_at = now() WHERE waybill_no = 'W-${j - 3}';`;
    if (j >= 7 && (j - 7) % 5 === 0) yield `UPDATE orders SET status = 'returned', updated_at = now() WHERE order_id = 'O-${j - 7}';`;
  }
}

function percentiles<S extends string>(values: number[], suffix: S) {
  values.sort((a, b) => a - b);
  const at = (q: number) => values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? Number.NaN;
  return { [`p50${suffix}`]: at(0.5), [`p95${suffix}`]: at(0.95), [`p99${suffix}`]: at(0.99) } as Record<
    `p50${S}` | `p95${S}` | `p99${S}`,
    number
  >;
}

async function endOffsets(kafka: Kafka, topic: string): Promise<number> {
  return [...(await topicOffsets(kafka, topic)).values()].reduce((n, p) => n + Number(p.high), 0);
}

/** Roles in a process of their own, started by the product's entry point (as bench:e2e starts them). */
async function startRoles(config: Config, prefix: string, roles: string, sourcesFile: string | undefined, waitUntilReady = true) {
  const port = await freePort();
  const dir = join(repoRoot, '.local', 'bench');
  mkdirSync(dir, { recursive: true });
  const log = join(dir, `${prefix}-${roles.replace(',', '+')}.log`);
  const out = openSync(log, 'a');
  const { SOURCES_FILE: _inherited, ...env } = process.env;
  const child = spawn(process.execPath, [join(repoRoot, 'services', 'app', 'src', 'main.ts')], {
    cwd: repoRoot,
    env: {
      ...env,
      KAFKA_BROKERS: config.KAFKA_BROKERS.join(','),
      SCHEMA_REGISTRY_URL: config.SCHEMA_REGISTRY_URL,
      REDIS_URL: config.REDIS_URL,
      TOPIC_PREFIX: `${prefix}.`,
      GROUP_PREFIX: prefix,
      REDIS_KEY_PREFIX: `${prefix}:`,
      // No ticks: the timings are of the sources' records alone.
      TICK_INTERVAL_SECONDS: '0',
      LOG_LEVEL: 'error',
      OPS_HOST: '127.0.0.1',
      OPS_PORT: String(port),
      ROLES: roles,
      ...(sourcesFile === undefined ? {} : { SOURCES_FILE: sourcesFile }),
    },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const alive = () => {
    if (child.exitCode !== null) throw new Error(`the ${roles} process exited (${child.exitCode}); see ${log}`);
  };
  if (waitUntilReady)
    await until(async () => {
      alive();
      return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok === true;
    }, 120);
  return { alive, stop: () => stopChild(child, 'SIGTERM') };
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The registry's subjects of the run's topics, soft- then hard-deleted. */
async function deleteSubjects(registryUrl: string, prefix: string): Promise<void> {
  const registry = registryUrl.replace(/\/$/, '');
  const subjects = (await (await fetch(`${registry}/subjects`)).json()) as string[];
  for (const subject of subjects.filter((name) => name.startsWith(prefix))) {
    await fetch(`${registry}/subjects/${encodeURIComponent(subject)}`, { method: 'DELETE' });
    await fetch(`${registry}/subjects/${encodeURIComponent(subject)}?permanent=true`, { method: 'DELETE' });
  }
}

/** Polls a condition (a benchmark may wait; it asserts nothing), failing after `timeoutSeconds`. */
async function until(condition: () => boolean | Promise<boolean>, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`benchmark step did not finish within ${timeoutSeconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
