// The segmenter's own CPU per event, without Redis or Kafka, in one run:
//   pnpm bench:fold [--customers 3000] [--days 90] [--batch 500] [--runs 4] [--seed 1]
// The simulator's history, spread over the 12 partitions of `customer-events` as Kafka would, goes
// through the fold as the segmenter runs it (fold.ts: every event applied and evaluated, timers
// fired on the partition's clock), in batches of `batch` per partition; each batch's customers and
// those whose timers it passes are read from an in-memory store of encoded records, and what it
// decides is kept as the segmenter keeps it (outputs encoded for Kafka and the outbox, records
// encoded by the state codec). `runs` times over the same log in one process; the first run warms
// the JIT, so the figure is the lowest CPU per event of the others (the machine is shared: the
// lowest is the least disturbed). The digest covers every output (id and bytes) and every record
// written, per partition in log order: an optimisation must leave it unchanged.
import { createHash, type Hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { CustomerEvent } from '@segmentation/contracts';
import { AvroCodec } from '@segmentation/kafka';
import { customerRecordCodec } from '@segmentation/readers';
import { hash32, parseConfig, runCommand } from '@segmentation/runtime';
import { calendarFor, compileRules, type CustomerRecord } from '@segmentation/segmentation';
import { simulateHistory } from '@segmentation/simulator';
import type { StoredCustomer } from '@segmentation/state';
import { foldEntries, type FoldSettings, type LogEntry } from '../fold.ts';
import { keptOutputs } from '../outbox.ts';
import { advance } from '../partition-clock.ts';
import { outputEncoder } from '../segmenter.ts';

const PARTITIONS = 12;
const RULES_FILE = join(import.meta.dirname, '..', '..', '..', '..', 'config', 'rules.yaml');

interface Kept {
  bytes: Uint8Array;
  version: number;
  nextEvaluationAt: number | null;
}

await runCommand('bench:fold', async () => {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '3000' },
      days: { type: 'string', default: '90' },
      batch: { type: 'string', default: '500' },
      runs: { type: 'string', default: '4' },
      seed: { type: 'string', default: '1' },
    },
  });
  const opts = parseConfig(
    z.object({
      customers: z.coerce.number().int().min(100),
      days: z.coerce.number().int().min(1).max(3650),
      batch: z.coerce.number().int().min(1).max(100_000),
      runs: z.coerce.number().int().min(2).max(20),
      seed: z.coerce.number().int(),
    }),
    values,
  );
  const settings: FoldSettings = {
    rules: compileRules(readFileSync(RULES_FILE, 'utf8'), RULES_FILE),
    options: { calendar: calendarFor('Asia/Shanghai') },
    // A fixed detection time, as in bench:apply: the outputs' bytes then depend on the log alone.
    now: () => Date.UTC(2026, 0, 1),
  };
  // Encoded as the segmenter encodes them (the schema ids, which need a registry, do not matter here).
  const encode = outputEncoder(new AvroCodec('http://127.0.0.1:1'), { change: 0, alert: 0, snapshot: 0 });
  const log = await simulateHistory({ seed: opts.seed, customers: opts.customers, days: opts.days, start: '2025-01-01' });

  const runs: Array<{ cpuMicrosPerEvent: number; seconds: number; digest: string; evaluations: number; outputs: number }> = [];
  for (let run = 1; run <= opts.runs; run++) {
    const partitions = spread(log);
    const stores = partitions.map(() => new Map<string, Kept>());
    const digests = partitions.map(() => createHash('sha256'));
    let evaluations = 0;
    let outputs = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let p = 0; p < PARTITIONS; p++) {
      const entries = partitions[p]!;
      let watermark: number | null = null;
      for (let from = 0; from < entries.length; from += opts.batch) {
        const batch = entries.slice(from, from + opts.batch);
        const stored = load(stores[p]!, batch, watermark);
        const folded = foldEntries(settings, batch, stored, watermark);
        const kept = keptOutputs(encode, stored, folded.commits);
        for (const c of kept.commits) {
          const bytes = customerRecordCodec.encode(c.state);
          digests[p]!.update(bytes);
          const before = stores[p]!.get(c.customerId);
          stores[p]!.set(c.customerId, { bytes, version: (before?.version ?? 0) + 1, nextEvaluationAt: c.state.nextEvaluationAt });
        }
        for (const o of kept.outgoing) digests[p]!.update(o.id).update(o.value);
        evaluations += folded.counts.applied + folded.counts.timers;
        outputs += kept.outgoing.length;
        watermark = folded.watermark;
      }
    }
    const used = process.cpuUsage(cpu);
    runs.push({
      cpuMicrosPerEvent: Math.round((used.user + used.system) / log.length),
      seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
      digest: digestOf(digests),
      evaluations,
      outputs,
    });
  }
  const digests = new Set(runs.map((r) => r.digest));
  if (digests.size !== 1)
    throw new Error(`the runs decided differently (digests ${[...digests].join(', ')}): the fold is not deterministic`);
  const best = Math.min(...runs.slice(1).map((r) => r.cpuMicrosPerEvent));
  console.log(`events                   ${log.length} of ${opts.customers} customers × ${opts.days} days`);
  console.log(`evaluations, outputs     ${runs[0]!.evaluations} (events and timers), ${runs[0]!.outputs}`);
  console.log(`CPU per event, each run  ${runs.map((r) => `${r.cpuMicrosPerEvent} µs`).join(', ')} (the first warms the JIT)`);
  console.log(`CPU per event            ${best} µs (the lowest of the warm runs)`);
  console.log(`digest                   ${[...digests][0]} (outputs and records written, per partition in log order)`);
  console.log(
    JSON.stringify({
      events: log.length,
      customers: opts.customers,
      days: opts.days,
      batch: opts.batch,
      runs,
      cpuMicrosPerEvent: best,
      digest: [...digests][0],
    }),
  );
});

/** The log spread over the partitions as Kafka spreads it by key, each partition in log order. */
function spread(log: readonly CustomerEvent[]): LogEntry[][] {
  const partitions = Array.from({ length: PARTITIONS }, (): LogEntry[] => []);
  for (const event of log) {
    const partition = hash32(event.customerId) % PARTITIONS;
    const offset = partitions[partition]!.length;
    const message = { topic: 'customer-events', partition, offset: String(offset), key: null, value: null, headers: {}, timestamp: 0 };
    partitions[partition]!.push({ kind: 'event', event, message });
  }
  return partitions;
}

/**
 * What the segmenter reads for a batch: its customers and those whose timers its clock passes,
 * decoded. The due timers are found by a scan of the partition's customers (the segmenter asks a
 * Redis sorted set): cheap next to the fold at a few thousand customers, the size this measures.
 */
function load(
  store: ReadonlyMap<string, Kept>,
  batch: readonly LogEntry[],
  watermark: number | null,
): Map<string, StoredCustomer<CustomerRecord>> {
  const ids = new Set<string>();
  let horizon = watermark;
  for (const e of batch) {
    if (e.kind !== 'event') continue;
    horizon = advance(horizon, e.event.eventTime);
    if (e.event.customerId !== '') ids.add(e.event.customerId);
  }
  if (horizon !== null) for (const [id, k] of store) if (k.nextEvaluationAt !== null && k.nextEvaluationAt <= horizon) ids.add(id);
  const loaded = new Map<string, StoredCustomer<CustomerRecord>>();
  for (const id of ids) {
    const k = store.get(id);
    loaded.set(id, {
      customerId: id,
      version: k ? String(k.version) : '',
      state: k ? customerRecordCodec.decode(k.bytes) : undefined,
      pending: new Map(),
    });
  }
  return loaded;
}

function digestOf(partitions: Hash[]): string {
  const all = createHash('sha256');
  for (const d of partitions) all.update(d.digest());
  return all.digest('hex').slice(0, 16);
}
