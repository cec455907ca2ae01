// End-to-end benchmark (docs/performance.md), against the services of `./dev stack up`:
//   pnpm bench:e2e [--customers 20000] [--days 120] [--rate 2000] [--seconds 20] [--warmup 2] [--seed 1] [--segmenters 1] [--repeat 1] [--profile]
// In one run, on topics of its own:
//   1. preload: the simulator writes `customers` × `days` of history into customer-events;
//   2. ceiling: the project's consumer (same class, same batch settings as the segmenter) reads the
//      whole topic decoding nothing, touching no state, producing nothing;
//   3. pipeline: the segmenter role reads the same topic: decode, state in Redis, evaluation,
//      changes produced and acknowledged; events/s and its ratio to the ceiling; in this process,
//      or in `segmenters` processes of one group; with the cores each process used meanwhile;
//   4. latency: ingest + segmenter running, new customers' orders published to the orders topic at
//      `rate`/s for `seconds`; per order, from its arrival in Kafka (the source record's timestamp)
//      to its first segment change acknowledged by Kafka (the change record's timestamp): p50/p95/p99,
//      after `warmup` seconds at the same rate (measured apart); `repeat` runs of it, one after the
//      other, each printed (a latency target must hold in every run, not on average);
//   5. backfill: a rules version that raises the value tiers is published; customers re-evaluated/s;
//   6. Redis memory per customer (its records and the timer index) and this process's peak RSS.
// Prints a table and writes the JSON to .local/bench/e2e-<time>.json. Topics and keys are deleted after.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  anOrder,
  aTick,
  avroSchemas,
  CUSTOMER_EVENTS_PARTITIONS,
  topicNames,
  valueSubject,
  type CustomerEvent,
  type SegmentChange,
} from '@segmentation/contracts';
import {
  AvroCodec,
  BatchConsumer,
  committedPositions,
  createKafka,
  deleteTopics,
  kafkaSecurity,
  CustomerEventLogWriter,
  provisionPipeline,
  ReliableProducer,
  tailTopics,
  topicOffsets,
  topicsWithPrefix,
} from '@segmentation/kafka';
import {
  ConfigError,
  createLogger,
  createMetricsRegistry,
  parseConfig,
  runCommand,
  type Logger,
  type Registry,
} from '@segmentation/runtime';
import { compileRules } from '@segmentation/segmentation';
import { applyRulesVersion } from '@segmentation/segmenter';
import { customerRecordCodec } from '@segmentation/readers';
import { simulateHistory } from '@segmentation/simulator';
import { CustomerStateStore, customerKey, deleteKeysWithPrefix, timersKey, type RedisClient } from '@segmentation/state';
import { connectConfiguredRedis, loadConfig, segmenterGroupId, type Config } from '../config.ts';
import { startPipeline, type Pipeline } from '../pipeline.ts';
import { until } from './bench-wait.ts';

const repoRoot = join(import.meta.dirname, '..', '..', '..', '..');

await runCommand('bench:e2e', async () => {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '20000' },
      days: { type: 'string', default: '120' },
      rate: { type: 'string', default: '2000' },
      seconds: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '2' },
      seed: { type: 'string', default: '1' },
      segmenters: { type: 'string', default: '1' },
      repeat: { type: 'string', default: '1' },
      profile: { type: 'boolean', default: false },
    },
  });
  const opts = parseConfig(
    z.object({
      customers: z.coerce.number().int().min(100),
      days: z.coerce.number().int().min(7).max(3650),
      rate: z.coerce.number().int().min(1).max(100_000),
      seconds: z.coerce.number().int().min(1).max(600),
      warmup: z.coerce.number().int().min(0).max(600),
      seed: z.coerce.number().int(),
      segmenters: z.coerce.number().int().min(1).max(CUSTOMER_EVENTS_PARTITIONS),
      repeat: z.coerce.number().int().min(1).max(20),
    }),
    { ...values, profile: undefined },
  );
  const profile = values.profile === true;
  if (profile && opts.segmenters !== 1) throw new ConfigError('--profile runs one segmenter in this process: leave out --segmenters');
  const prefix = `bench-e2e-${Date.now()}`;
  const config = loadConfig({
    ...process.env,
    TOPIC_PREFIX: `${prefix}.`,
    GROUP_PREFIX: prefix,
    REDIS_KEY_PREFIX: `${prefix}:`,
    TICK_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'error',
    OPS_PORT: '0',
  });
  const topics = topicNames(config.TOPIC_PREFIX);
  const logger = createLogger({ service: 'bench-e2e' }, 'error');
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'bench-e2e', security: kafkaSecurity(config) }, logger);
  const codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
  const producer = new ReliableProducer(kafka);
  const redis = await connectConfiguredRedis(config);
  let pipeline: BenchPipeline | undefined;
  try {
    await provisionPipeline(kafka, codec, topics);
    await producer.connect();

    // 1. Preload.
    const writer = await CustomerEventLogWriter.open(producer, codec, topics.customerEvents);
    let events = 0;
    const customerIds = new Set<string>();
    // History that ends today, as a live pipeline's does: the paced orders of step 4 then find every
    // partition's clock where live operation keeps it (ticks), instead of jumping it by months and
    // firing every preloaded customer's timers at once.
    const start = new Date(Date.now() - (opts.days + 1) * 86_400_000).toISOString().slice(0, 10);
    await simulateHistory({ seed: opts.seed, customers: opts.customers, days: opts.days, start }, async (chunk) => {
      for (let i = 0; i < chunk.length; i += 5000) await writer.write(chunk.slice(i, i + 5000));
      events += chunk.length;
      for (const e of chunk) customerIds.add(e.customerId);
    });
    console.log(`preloaded ${events} events of ${opts.customers} customers × ${opts.days} days`);

    // 2. Ceiling: the same consumer, the same settings, nothing done per record.
    let seen = 0;
    let first = 0;
    const ceilingConsumer = new BatchConsumer(
      kafka,
      {
        groupId: `${prefix}-ceiling`,
        topics: [topics.customerEvents],
        sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
        stallTimeoutMs: 60_000,
        partitionsConcurrently: 4,
        maxBytesPerPartition: config.SEGMENTER_BATCH_BYTES,
      },
      logger,
    );
    await ceilingConsumer.connect((batch) => {
      if (first === 0) first = performance.now();
      seen += batch.messages.length;
      return Promise.resolve();
    });
    await until(() => seen >= events);
    const ceilingSeconds = (performance.now() - first) / 1000;
    await ceilingConsumer.disconnect();

    // 3. Pipeline: the segmenter role over the same topic, in `--segmenters` processes of one
    // consumer group (one by default; more is the scale-out of DESIGN.md), started by the product's
    // entry point. Not in this process, whose heap holds the preload: collecting it halved the
    // pipeline's rate. `--profile` runs the roles here instead, to profile them.
    const profiler = profile ? await startProfiler() : undefined;
    pipeline = profile ? await inProcessPipeline(config, logger) : await pipelineProcesses(config, prefix, opts.segmenters);
    const { pipelineRate, cpuDuringPipeline } = await throughput(kafka, config, topics.customerEvents, pipeline.pids);
    await profiler?.write('pipeline');
    // Steps 4 and 5 go through ingest too: in this process with --profile, else in one of its own.
    await pipeline.addIngest();
    const counter = pipeline.counter;
    const bytesPerCustomer = await bytesPerStoredCustomer(redis, config.REDIS_KEY_PREFIX);

    // 4. Latency at a paced rate, through ingest and the segmenter. First a tick into every partition
    // brings its clock to now, as the ticker keeps it in live operation: otherwise the first paced
    // orders would move it by the hours since the preload's last event and fire those timers at once.
    const ticksBefore = await counter('segmenter_records_total', 'ignored');
    const eventSchemaId = await codec.register(valueSubject(topics.customerEvents), avroSchemas.customerEvent);
    const tickAt = Date.now();
    await producer.send(
      topics.customerEvents,
      Array.from({ length: CUSTOMER_EVENTS_PARTITIONS }, (_, partition) => ({
        key: null,
        partition,
        value: codec.encode(eventSchemaId, avroSchemas.customerEvent, aTick(partition, tickAt)),
      })),
    );
    await until(async () => (await counter('segmenter_records_total', 'ignored')) >= ticksBefore + CUSTOMER_EVENTS_PARTITIONS, 120);
    const latencyProfiler = profile ? await startProfiler() : undefined;
    const runs = [];
    for (let run = 1; run <= opts.repeat; run++)
      runs.push(await pacedLatency(kafka, producer, codec, topics, [...customerIds], opts, `${prefix}-run${run}`, logger, counter));
    const latencies = runs[0]!;

    await latencyProfiler?.write('latency');

    // 5. Backfill: a rules change that raises the value tiers by half.
    const rulesText = readFileSync(join(repoRoot, 'config', 'rules.yaml'), 'utf8');
    const raised = compileRules(
      rulesText.replace(/^( {2}(high|medium)_value(_exit)?: )(\d+)/gm, (_, key: string, _n, _e, v: string) => `${key}${Number(v) * 1.5}`),
      'raised rules',
    );
    const reevaluatedBefore = await counter('segmenter_rules_reevaluated_customers_total');
    const backfillStarted = performance.now();
    await applyRulesVersion({ kafka, producer, codec }, topics, raised, {
      appliedBy: 'bench:e2e',
      note: 'value tiers raised by half',
      appliedAt: Date.now(),
    });
    let customersStored = 0;
    for await (const ids of new CustomerStateStore(redis, config.REDIS_KEY_PREFIX, customerRecordCodec).customerIds())
      customersStored += ids.length;
    await until(async () => (await counter('segmenter_rules_reevaluated_customers_total')) - reevaluatedBefore >= customersStored);
    const backfillSeconds = (performance.now() - backfillStarted) / 1000;
    const reevaluated = (await counter('segmenter_rules_reevaluated_customers_total')) - reevaluatedBefore;

    const result = {
      machine: { cores: (await import('node:os')).cpus().length, node: process.version },
      customers: opts.customers,
      days: opts.days,
      events,
      ceilingEventsPerSecond: Math.round(events / ceilingSeconds),
      segmenterProcesses: opts.segmenters,
      pipelineEventsPerSecond: Math.round(pipelineRate),
      pipelineToCeiling: Number((pipelineRate / (events / ceilingSeconds)).toFixed(3)),
      latency: {
        rate: opts.rate,
        seconds: opts.seconds,
        orders: latencies.orders,
        changed: latencies.changed,
        p50Ms: latencies.p50,
        p95Ms: latencies.p95,
        p99Ms: latencies.p99,
        ingestHopMs: latencies.ingestHop,
        segmenterHopMs: latencies.segmenterHop,
        warmup: { seconds: opts.warmup, ...latencies.warmup },
        runs: runs.map((r) => ({ changed: r.changed, p50Ms: r.p50, p95Ms: r.p95, p99Ms: r.p99 })),
        worstP99Ms: Math.max(...runs.map((r) => r.p99)),
      },
      backfill: {
        customers: reevaluated,
        seconds: Number(backfillSeconds.toFixed(1)),
        customersPerSecond: Math.round(reevaluated / backfillSeconds),
      },
      cpuDuringPipeline,
      redisBytesPerCustomer: bytesPerCustomer,
      peakRssMiB: pipeline.peakRssMiB(),
    };
    console.log(`
| figure | value |
|---|---|
| events (customers × days) | ${events} (${opts.customers} × ${opts.days}) |
| ceiling: consume only, decoding nothing | ${result.ceilingEventsPerSecond} events/s |
| pipeline: decode, state, evaluation, changes acknowledged (${profile ? 'the segmenter in this process, profiled' : opts.segmenters === 1 ? 'one segmenter process' : `${opts.segmenters} segmenter processes`}) | ${result.pipelineEventsPerSecond} events/s |
| pipeline / ceiling | ${(result.pipelineToCeiling * 100).toFixed(1)} % |
| CPU during the pipeline step (cores busy; the machine has ${result.machine.cores}) | ${
      Object.entries(cpuDuringPipeline)
        .map(([name, cores]) => `${name} ${cores}`)
        .join(', ') || 'not measured (no /proc)'
    } |
| latency at ${opts.rate} orders/s for ${opts.seconds} s after ${opts.warmup} s of warm-up (arrival → change acknowledged; the ${latencies.changed} of ${latencies.orders} orders that changed a segment) | p50 ${latencies.p50} ms, p95 ${latencies.p95} ms, p99 ${latencies.p99} ms |
| of which ingest: arrival → forwarded into customer-events | p50 ${latencies.ingestHop.p50} ms, p95 ${latencies.ingestHop.p95} ms, p99 ${latencies.ingestHop.p99} ms |
| of which segmenter: forwarded → change acknowledged | p50 ${latencies.segmenterHop.p50} ms, p95 ${latencies.segmenterHop.p95} ms, p99 ${latencies.segmenterHop.p99} ms |
${runs
  .slice(1)
  .map(
    (r, i) =>
      `| latency, run ${i + 2} of ${runs.length} (${r.changed} of ${r.orders} orders) | p50 ${r.p50} ms, p95 ${r.p95} ms, p99 ${r.p99} ms |\n`,
  )
  .join('')}| worst p99 of the ${runs.length} run(s) | ${result.latency.worstP99Ms} ms |
| latency during the warm-up (${latencies.warmup.changed} of ${latencies.warmup.orders} orders) | p50 ${latencies.warmup.p50} ms, p95 ${latencies.warmup.p95} ms, p99 ${latencies.warmup.p99} ms |
| rules-change backfill | ${result.backfill.customersPerSecond} customers/s (${reevaluated} of ${customersStored} customers in ${result.backfill.seconds} s) |
| Redis memory per customer (MEMORY USAGE of a sample of records, plus the timer index) | ${result.redisBytesPerCustomer} bytes |
| peak RSS of the pipeline's processes | ${Object.entries(result.peakRssMiB)
      .map(([name, mib]) => `${name} ${mib} MiB`)
      .join(', ')} |`);
    const out = join(repoRoot, '.local', 'bench');
    mkdirSync(out, { recursive: true });
    const file = join(out, `e2e-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\n${JSON.stringify(result)}\nwritten to ${file}`);
  } finally {
    await pipeline?.stop();
    await producer.disconnect().catch(() => undefined);
    await deleteKeysWithPrefix(redis, `${prefix}:`);
    redis.disconnect();
    await deleteTopics(kafka, await topicsWithPrefix(kafka, prefix));
  }
});

/**
 * Orders of the preloaded customers, as live traffic is, published at `rate`/s; the latency of an
 * order that changes a segment is its first change's Kafka timestamp minus its own arrival.
 */
async function pacedLatency(
  kafka: ReturnType<typeof createKafka>,
  producer: ReliableProducer,
  codec: AvroCodec,
  topics: ReturnType<typeof topicNames>,
  customers: string[],
  { rate, seconds, warmup }: { rate: number; seconds: number; warmup: number },
  prefix: string,
  logger: ReturnType<typeof createLogger>,
  counter: Counter,
) {
  // Orders of the first `warmup` seconds are measured apart: the ingest process's code is not yet
  // compiled, and each customer's first live order moves more segments than the later ones.
  const arrived = new Map<string, { at: number; warmingUp: boolean }>();
  const warmupLatencies: number[] = [];
  // Where the time goes: each order's record in customer-events, as ingest forwarded it, splits its
  // latency into the ingest hop (arrival → forwarded) and the segmenter hop (forwarded → change).
  const forwarded = new Map<string, number>();
  const latencies: number[] = [];
  const ingestHops: number[] = [];
  const segmenterHops: number[] = [];
  let lastChangeAt = Date.now();
  const appliedBefore = await counter('segmenter_records_total', 'applied');
  // From the topics' ends: reading the preload's records would take this process's time from the pipeline.
  const tail = await tailTopics(
    kafka,
    { topics: [topics.segmentChanges, topics.customerEvents], backlogPerPartition: 0, groupPrefix: `${prefix}-latency` },
    async (m) => {
      if (m.topic === topics.customerEvents) {
        forwarded.set((await codec.decode<CustomerEvent>(m.value, avroSchemas.customerEvent)).eventId, m.timestamp);
        return;
      }
      const change = await codec.decode<SegmentChange>(m.value, avroSchemas.segmentChange);
      const order = change.causeEventId === null ? undefined : arrived.get(change.causeEventId);
      if (order === undefined) return;
      arrived.delete(change.causeEventId!);
      const at = order.at;
      if (order.warmingUp) {
        warmupLatencies.push(m.timestamp - at);
        return;
      }
      latencies.push(m.timestamp - at);
      const forwardedAt = forwarded.get(change.causeEventId!);
      if (forwardedAt !== undefined) {
        ingestHops.push(forwardedAt - at);
        segmenterHops.push(m.timestamp - forwardedAt);
      }
      lastChangeAt = Date.now();
    },
    logger,
  );
  await until(() => tail.isReady(), 60);
  const schemaId = await codec.register(valueSubject(topics.orders), avroSchemas.order);
  const warmupOrders = rate * warmup;
  const total = warmupOrders + rate * seconds;
  const tick = 50; // ms: rate/20 orders every 50 ms
  const perTick = Math.max(1, Math.round((rate * tick) / 1000));
  const started = Date.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate) + perTick);
    const batch = [];
    for (; sent < due; sent++) {
      const order = anOrder({
        customerId: customers[(sent * 7919) % customers.length]!,
        eventId: `${prefix}-live-${sent}`,
        amount: 500 + (sent % 997) * 40,
      });
      batch.push({ key: order.customerId, value: codec.encode(schemaId, avroSchemas.order, order) });
    }
    // The producer stamps the records with the time it sends them (CreateTime): their arrival.
    const sentAt = Date.now();
    if (batch.length > 0) await producer.send(topics.orders, batch);
    for (let i = sent - batch.length; i < sent; i++) arrived.set(`${prefix}-live-${i}`, { at: sentAt, warmingUp: i < warmupOrders });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + (sent / rate) * 1000 - Date.now())));
  }
  // Not every order changes a segment: wait until the pipeline has applied them all, then a little for the last changes.
  await until(async () => (await counter('segmenter_records_total', 'applied')) >= appliedBefore + total, 120);
  await until(() => arrived.size === 0 || Date.now() - lastChangeAt > 2000, 30);
  await tail.stop();
  const percentiles = (values: number[]) => {
    values.sort((a, b) => a - b);
    const at = (q: number) => values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? Number.NaN;
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
  };
  return {
    orders: total - warmupOrders,
    changed: latencies.length,
    ...percentiles(latencies),
    ingestHop: percentiles(ingestHops),
    segmenterHop: percentiles(segmenterHops),
    warmup: { orders: warmupOrders, changed: warmupLatencies.length, ...percentiles(warmupLatencies) },
  };
}

/**
 * Step 3: from the segmenters' group's first committed offset until it has committed every
 * partition's end (offsets, not the processes' counters: a batch redone after a rebalance counts once).
 */
async function throughput(kafka: ReturnType<typeof createKafka>, config: Config, topic: string, pids: number[]) {
  const committed = async () =>
    [...(await committedPositions(kafka, segmenterGroupId(config), topic)).values()].reduce((n, p) => n + p.offset, 0);
  await until(async () => (await committed()) > 0, 120);
  const started = performance.now();
  const cpuBefore = cpuSeconds(pids);
  const atStart = await committed();
  // The end includes the rules control records the segmenters wrote on start.
  const end = [...(await topicOffsets(kafka, topic)).values()].reduce((n, p) => n + p.high, 0);
  await until(async () => (await committed()) >= end);
  const seconds = (performance.now() - started) / 1000;
  return { pipelineRate: (end - atStart) / seconds, cpuDuringPipeline: cpuShares(cpuBefore, cpuSeconds(pids), seconds) };
}

type Counter = (name: string, result?: string) => Promise<number>;

/** The roles under measure: their counters (summed over processes), their memory, and how to stop them. */
interface BenchPipeline {
  /** The processes running segmenters. */
  pids: number[];
  addIngest(): Promise<void>;
  counter: Counter;
  peakRssMiB(): Record<string, number>;
  stop(): Promise<void>;
}

async function inProcessPipeline(config: Config, logger: Logger): Promise<BenchPipeline> {
  const metrics = createMetricsRegistry(false);
  const pipeline: Pipeline = await startPipeline({ ...config, ROLES: ['ingest', 'segmenter'] }, logger, metrics);
  return {
    pids: [process.pid],
    addIngest: () => Promise.resolve(), // already running, idle until step 4
    counter: registryCounter(metrics),
    peakRssMiB: () => ({
      'ingest and segmenter, with the simulator and this benchmark': Math.round(process.resourceUsage().maxRSS / 1024),
    }),
    stop: () => pipeline.stop(),
  };
}

async function pipelineProcesses(config: Config, prefix: string, segmenters: number): Promise<BenchPipeline> {
  const processes = await Promise.all(
    Array.from({ length: segmenters }, (_, i) => startPipelineProcess(config, prefix, `segmenter-${i + 1}`, 'segmenter')),
  );
  const pids = processes.map((p) => p.pid);
  return {
    pids,
    async addIngest() {
      processes.push(await startPipelineProcess(config, prefix, 'ingest', 'ingest'));
    },
    counter: async (name, result) => (await Promise.all(processes.map((p) => p.counter(name, result)))).reduce((a, b) => a + b, 0),
    peakRssMiB: () => Object.fromEntries(processes.map((p) => [p.name, p.peakRssMiB()])),
    stop: async () => {
      await Promise.all(processes.map((p) => p.stop()));
    },
  };
}

/** Roles in a process of their own, started by the product's entry point; counters read from its /metrics. */
async function startPipelineProcess(config: Config, prefix: string, name: string, roles: string) {
  const port = await freePort();
  const dir = join(repoRoot, '.local', 'bench');
  mkdirSync(dir, { recursive: true });
  const log = join(dir, `${prefix}-${name}.log`);
  const out = openSync(log, 'a');
  const env = {
    ...process.env,
    TOPIC_PREFIX: config.TOPIC_PREFIX,
    GROUP_PREFIX: config.GROUP_PREFIX,
    REDIS_KEY_PREFIX: config.REDIS_KEY_PREFIX,
    TICK_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'error',
    OPS_HOST: '127.0.0.1',
    OPS_PORT: String(port),
    ROLES: roles,
  };
  const child = spawn(process.execPath, [join(repoRoot, 'services', 'app', 'src', 'main.ts')], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const alive = () => {
    if (child.exitCode !== null) throw new Error(`the ${roles} process exited (${child.exitCode}); see ${log}`);
  };
  await until(async () => {
    alive();
    return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok === true;
  }, 120);
  return {
    name,
    pid: child.pid!,
    async counter(metric: string, result?: string): Promise<number> {
      alive();
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        const m = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line);
        if (m?.[1] === metric && (result === undefined || m[2]?.includes(`result="${result}"`))) sum += Number(m[3]);
      }
      return sum;
    },
    peakRssMiB(): number {
      try {
        return Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024);
      } catch {
        return Number.NaN; // no /proc
      }
    },
    async stop(): Promise<void> {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * CPU seconds so far of this process and of the co-located services (Linux /proc; empty elsewhere),
 * to show how the machine's cores are shared during a step.
 */
function cpuSeconds(segmenters: number[] = []): Map<string, number> {
  const seconds = new Map<string, number>();
  const ticks = 100; // USER_HZ
  const services: Array<[string, RegExp]> = [
    ['kafka', /kafka\.Kafka/],
    ['registry', /apicurio/],
    ['redis', /^redis-server/],
  ];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return seconds;
  }
  for (const pid of pids) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const name =
        Number(pid) === process.pid
          ? 'bench'
          : segmenters.includes(Number(pid))
            ? 'segmenters'
            : services.find(([, pattern]) => pattern.test(cmdline))?.[0];
      if (name === undefined) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      seconds.set(name, (seconds.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / ticks); // utime, stime
    } catch {
      // the process ended meanwhile
    }
  }
  return seconds;
}

/** Cores busy per process between two readings `wallSeconds` apart. */
function cpuShares(before: Map<string, number>, after: Map<string, number>, wallSeconds: number): Record<string, number> {
  return Object.fromEntries([...after].map(([name, s]) => [name, Number(((s - (before.get(name) ?? 0)) / wallSeconds).toFixed(2))]));
}

/** `--profile`: a CPU profile of one step, written to .local/bench/<step>-<time>.cpuprofile (open in Chrome DevTools). */
async function startProfiler() {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async write(step: string) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      const dir = join(repoRoot, '.local', 'bench');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${step}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      console.log(`CPU profile of the ${step} step: ${file}`);
    },
  };
}

/**
 * Bytes per customer from this run's own keys (MEMORY USAGE of up to 1,000 customer records, and
 * the whole timer index), not from used_memory: other work on the same Redis would skew that.
 */
async function bytesPerStoredCustomer(redis: RedisClient, prefix: string): Promise<number> {
  const store = new CustomerStateStore(redis, prefix, customerRecordCodec);
  const sample: string[] = [];
  let customers = 0;
  for await (const ids of store.customerIds()) {
    customers += ids.length;
    if (sample.length < 1000) sample.push(...ids.slice(0, 1000 - sample.length));
  }
  let recordBytes = 0;
  for (const id of sample) recordBytes += Number((await redis.memory('USAGE', customerKey(prefix, id))) ?? 0);
  let timerBytes = 0;
  for (let p = 0; p < 12; p++) timerBytes += Number((await redis.memory('USAGE', timersKey(prefix, p))) ?? 0);
  return Math.round(recordBytes / Math.max(1, sample.length) + timerBytes / Math.max(1, customers));
}

function registryCounter(metrics: Registry): Counter {
  return async (name, result) => {
    const metric = (await metrics.getMetricsAsJSON()).find((m) => m.name === name);
    return ((metric?.values ?? []) as Array<{ value: number; labels: Record<string, string | number> }>)
      .filter((v) => result === undefined || v.labels.result === result)
      .reduce((sum, v) => sum + v.value, 0);
  };
}
