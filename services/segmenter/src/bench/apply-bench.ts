// Apply throughput of the customer feature state, and Redis memory per customer, in one run:
//   pnpm bench:apply [--customers 100000] [--days 365] [--batch 500] [--seed 1]
// The simulator lives through `days` of `customers`; its events are spread over the 12 partitions of
// `customer-events` as Kafka would, and applied in batches of `batch` per partition, every partition
// at once as the segmenter does (read, fold, evaluate with config/rules.yaml and fire timers,
// atomic write, outbox cleared, timers moved); nothing is produced to Kafka.
// Only the apply step is timed, not the simulator (events are queued 100k at a time, then applied).
// Then a rules change (the medium and high value tiers raised by half) re-evaluates every stored
// customer as the control records would (rules-reevaluation.ts, every partition at once): the
// backfill rate in customers/s. Memory is the growth of Redis `used_memory`
// (summed over the masters of a cluster) divided by the customers stored: state, event-id memory,
// outbox and timer index included. Redis: REDIS_URL, else redis://127.0.0.1:6379 (`./dev stack up`).
// The benchmark's keys carry a prefix of their own and are deleted at the end.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { AvroCodec } from '@segmentation/kafka';
import { createLogger, hash32, parseConfig, runCommand } from '@segmentation/runtime';
import { calendarFor, compileRules } from '@segmentation/segmentation';
import { simulateHistory } from '@segmentation/simulator';
import { connectRedis, CustomerStateStore, deleteKeysWithPrefix, EvaluationTimers, timersKey, usedMemoryBytes } from '@segmentation/state';
import { applyBatch, type BatchApplier } from '../apply-batch.ts';
import type { LogEntry } from '../fold.ts';
import { outboxEntries } from '../outbox.ts';
import { reevaluatePartition } from '../rules-reevaluation.ts';
import { customerRecordCodec } from '@segmentation/readers';
import { outputEncoder } from '../segmenter.ts';

const PARTITIONS = 12;
const PARTITIONS_CONCURRENTLY = PARTITIONS; // as the segmenter's consumer runs them: every partition at once
const DRAIN_EVERY = 100_000; // events
const DETECTED_AT = Date.UTC(2026, 0, 1);
const RULES_FILE = join(import.meta.dirname, '..', '..', '..', '..', 'config', 'rules.yaml');

await runCommand('bench:apply', async () => {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '100000' },
      days: { type: 'string', default: '365' },
      batch: { type: 'string', default: '500' },
      seed: { type: 'string', default: '1' },
    },
  });
  const opts = parseConfig(
    z.object({
      customers: z.coerce.number().int().min(100),
      days: z.coerce.number().int().min(1).max(3650),
      batch: z.coerce.number().int().min(1).max(100_000),
      seed: z.coerce.number().int(),
      REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
    }),
    { ...values, REDIS_URL: process.env.REDIS_URL || undefined },
  );
  createLogger({ service: 'bench-apply' }, 'warn');
  const redis = await connectRedis(opts.REDIS_URL);
  const prefix = `bench-apply-${Date.now()}:`;
  const applier: BatchApplier = {
    store: new CustomerStateStore(redis, prefix, customerRecordCodec),
    timers: new EvaluationTimers(redis, prefix),
    // A fixed detection time: the outputs' bytes then depend on the log alone, so their digest
    // shows that an optimisation changed nothing the segmenter decides.
    rules: compileRules(readFileSync(RULES_FILE, 'utf8'), RULES_FILE),
    options: { calendar: calendarFor('Asia/Shanghai') },
    now: () => DETECTED_AT,
    // Encoded as the segmenter encodes them (the schema ids, which need a registry, do not matter here).
    encode: outputEncoder(new AvroCodec('http://127.0.0.1:1'), { change: 0, alert: 0, snapshot: 0 }),
  };
  try {
    const memoryBefore = await usedMemoryBytes(redis);
    const queues = Array.from({ length: PARTITIONS }, () => [] as LogEntry[]);
    const nextOffset = new Array<number>(PARTITIONS).fill(0);
    const watermarks = new Array<number | null>(PARTITIONS).fill(null);
    let applySeconds = 0;
    // CPU time of this process while applying: on a busy machine, steadier than the rate.
    let applyCpuSeconds = 0;
    let events = 0;
    let batches = 0;
    let queued = 0;
    let outputs = 0;
    const outputsByKind: Record<string, number> = {};
    // Per partition, in log order: every output's id and Kafka value.
    const digests = Array.from({ length: PARTITIONS }, () => createHash('sha256'));
    let timersFired = 0;

    /** Applies full batches (or, at the end, whatever is left), every partition at once. */
    const drain = async (minimum: number) => {
      for (;;) {
        const ready = queues
          .map((q, p) => [q, p] as const)
          .filter(([q]) => q.length >= minimum && q.length > 0)
          .slice(0, PARTITIONS_CONCURRENTLY);
        if (ready.length === 0) return;
        const started = performance.now();
        const cpuStarted = process.cpuUsage();
        await Promise.all(
          ready.map(async ([queue, partition]) => {
            const batch = queue.splice(0, opts.batch);
            const result = await applyBatch(
              applier,
              partition,
              batch,
              watermarks[partition]!,
              `${partition}:${batch.at(-1)!.message.offset}`,
            );
            await applier.store.clearPending(outboxEntries(result.outgoing));
            await applier.timers.schedule(partition, result.timers);
            watermarks[partition] = result.watermark;
            outputs += result.outgoing.length;
            for (const o of result.outgoing) {
              digests[partition]!.update(o.id).update(o.value);
              const kind = o.decided?.kind === 'change' ? `change:${o.decided.value.dimension}` : o.kind;
              outputsByKind[kind] = (outputsByKind[kind] ?? 0) + 1;
            }
            timersFired += result.counts.timers;
          }),
        );
        applySeconds += (performance.now() - started) / 1000;
        const cpu = process.cpuUsage(cpuStarted);
        applyCpuSeconds += (cpu.user + cpu.system) / 1e6;
        batches += ready.length;
      }
    };

    const simulationStarted = performance.now();
    await simulateHistory({ seed: opts.seed, customers: opts.customers, days: opts.days, start: '2025-01-01' }, async (chunk) => {
      for (const event of chunk) {
        const partition = hash32(event.customerId) % PARTITIONS;
        const offset = nextOffset[partition]!++;
        queues[partition]!.push({
          kind: 'event',
          event,
          message: { topic: 'customer-events', partition, offset: String(offset), key: null, value: null, headers: {}, timestamp: 0 },
        });
      }
      events += chunk.length;
      queued += chunk.length;
      // Drain in large steps: the simulator generates its next chunk while this one is written, and
      // that work would otherwise be timed as apply time.
      if (queued >= DRAIN_EVERY) {
        await drain(opts.batch);
        queued = queues.reduce((n, q) => n + q.length, 0);
      }
    });
    await drain(1);
    const totalSeconds = (performance.now() - simulationStarted) / 1000;

    let stored = 0;
    for await (const ids of applier.store.customerIds(1000)) stored += ids.length;
    const memoryAfter = await usedMemoryBytes(redis);
    const timerBytes = (
      await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => redis.memory('USAGE', timersKey(prefix, p))))
    ).reduce<number>((s, b) => s + Number(b ?? 0), 0);

    const raised = compileRules(
      readFileSync(RULES_FILE, 'utf8').replace(
        /^( {2}(high|medium)_value(_exit)?: )(\d+)/gm,
        (_, key: string, _n, _e, v: string) => `${key}${Number(v) * 1.5}`,
      ),
      'raised rules',
    );
    const backfill = { customers: 0, reevaluated: 0, changes: 0, seconds: 0 };
    const backfillStarted = performance.now();
    for (let first = 0; first < PARTITIONS; first += PARTITIONS_CONCURRENTLY) {
      await Promise.all(
        Array.from({ length: PARTITIONS_CONCURRENTLY }, (_, i) => first + i).map(async (partition) => {
          const report = await reevaluatePartition(
            applier,
            partition,
            raised,
            watermarks[partition]!,
            { eventId: 'bench-rules', offset: nextOffset[partition]! },
            {
              emit: async (outgoing, timers) => {
                await applier.store.clearPending(outboxEntries(outgoing));
                await applier.timers.schedule(partition, timers);
              },
              progress: async () => {},
            },
          );
          backfill.customers += report.customers;
          backfill.reevaluated += report.reevaluated;
          backfill.changes += report.changes;
        }),
      );
    }
    backfill.seconds = (performance.now() - backfillStarted) / 1000;

    const result = {
      customers: stored,
      days: opts.days,
      events,
      batchSize: opts.batch,
      batches,
      timersFired,
      outputs,
      outputsByKind,
      applyEventsPerSecond: Math.round(events / applySeconds),
      applySeconds: Number(applySeconds.toFixed(1)),
      applyCpuMicrosPerEvent: Math.round((applyCpuSeconds * 1e6) / events),
      wallSeconds: Number(totalSeconds.toFixed(1)),
      backfillCustomersPerSecond: Math.round(backfill.reevaluated / backfill.seconds),
      backfillChanges: backfill.changes,
      redisBytesPerCustomer: Math.round((memoryAfter - memoryBefore) / stored),
      timerIndexBytesPerCustomer: Math.round(timerBytes / stored),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      outputsDigest: createHash('sha256')
        .update(digests.map((d) => d.digest('hex')).join())
        .digest('hex')
        .slice(0, 16),
    };
    console.log(`customers stored              ${result.customers} (${result.days} days of simulated history)`);
    console.log(`events applied                ${result.events} in ${result.batches} batches of up to ${result.batchSize}`);
    console.log(
      `timers fired, outputs         ${result.timersFired} silent-customer evaluations, ${result.outputs} changes, alerts and snapshots`,
    );
    console.log(
      `outputs by kind               ${Object.entries(outputsByKind)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    );
    console.log(
      `outputs digest                ${result.outputsDigest} (ids and bytes per partition in log order: the same log and rules give the same digest)`,
    );
    console.log(
      `apply throughput              ${result.applyEventsPerSecond} events/s (read, fold, evaluate every dimension and churn risk, atomic write, timers; ${result.applySeconds} s)`,
    );
    console.log(`apply CPU per event           ${result.applyCpuMicrosPerEvent} µs of this process (Redis's own work not included)`);
    console.log(
      `rules change backfill         ${result.backfillCustomersPerSecond} customers/s (${backfill.reevaluated} of ${backfill.customers} re-evaluated under raised value tiers, ${backfill.changes} changes; ${backfill.seconds.toFixed(1)} s)`,
    );
    console.log(
      `Redis memory per customer     ${result.redisBytesPerCustomer} bytes (growth of used_memory; timer index ${result.timerIndexBytesPerCustomer} of them)`,
    );
    console.log(`peak RSS of this process      ${result.peakRssMiB} MiB (simulator included)`);
    console.log(JSON.stringify(result));
  } finally {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  }
});
