// Population-relative thresholds (DESIGN.md invariant 9), through real Kafka, the registry and Redis:
// `pnpm rules population --publish` reads every stored customer at their partition's clock,
// computes the quantiles the rules' population section asks for, and publishes them as a new
// version; the segmenter re-evaluates at the control records, and the tiers follow the thresholds.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startPipeline, type Config, type Pipeline } from '@segmentation/app';
import {
  anOrderEvent,
  aProfileEvent,
  avroSchemas,
  topicNames,
  valueSubject,
  type CustomerEvent,
  type SegmentChange,
} from '@segmentation/contracts';
import { AvroCodec, createKafka, ReliableProducer } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry, type Registry } from '@segmentation/runtime';
import { compileRules, type PopulationThresholds } from '@segmentation/segmentation';
import { type DryRunReport } from '@segmentation/segmenter';
import { readRulesHistory } from '@segmentation/readers';
import { deleteTopicsWithPrefix, metricTotal } from './harness/kafka-state.ts';
import { deleteRunKeys, runEnv } from './harness/segmenter-run.ts';
import { testServices } from './harness/services.ts';
import { TopicReader } from './harness/topic-reader.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const run = uniqueName('population');
const logger = createLogger({ service: 'population-test' }, 'warn');
const topics = topicNames(`${run}.`);
const T0 = Date.UTC(2030, 4, 6, 2, 0, 0);
const repoRoot = join(import.meta.dirname, '..');
// The shipped rules without the value tier's dwell, so new thresholds move customers at once.
const rulesText = readFileSync(join(repoRoot, 'config', 'rules.yaml'), 'utf8').replace('min_dwell_days: 30', 'min_dwell_days: 0');
const dir = mkdtempSync(join(tmpdir(), 'population-test-'));

// 40 manufacturers ordering 1,000 … 40,000 CNY in two orders: medium from 20,000 under the shipped thresholds, nobody high
// (not by the predicted value either: two orders on one day are no rhythm of their own).
const customers = Array.from({ length: 40 }, (_, i) => ({ id: uniqueName(`M${i}`), value: 1000 * (i + 1) }));

let env: Record<string, string>;
let config: Config;
let codec: AvroCodec;
let producer: ReliableProducer;
let pipeline: Pipeline | undefined;
let metrics: Registry;
let changes: TopicReader;

const kafka = () => createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'population-test' }, logger);

async function tiers(): Promise<Map<string, SegmentChange>> {
  const last = new Map<string, SegmentChange>();
  for (const m of changes.messages) {
    const c = await codec.decode<SegmentChange>(m.value, avroSchemas.segmentChange);
    if (c.dimension === 'value_tier' && (last.get(c.customerId)?.sequence ?? 0) < c.sequence) last.set(c.customerId, c);
  }
  return last;
}

beforeAll(async () => {
  const rulesFile = join(dir, 'rules.yaml');
  writeFileSync(rulesFile, rulesText);
  env = { ...runEnv(services, run), ROLES: 'segmenter', RULES_FILE: rulesFile };
  config = loadConfig(env);
  codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
  metrics = createMetricsRegistry(false);
  pipeline = await startPipeline(config, logger, metrics);
  producer = new ReliableProducer(kafka());
  await producer.connect();
  changes = await TopicReader.open(config.KAFKA_BROKERS, topics.segmentChanges);
  const events: CustomerEvent[] = customers.flatMap(({ id, value }) => [
    aProfileEvent({ customerId: id, eventId: `${id}-p`, eventTime: T0, industry: 'MANUFACTURING' }),
    { ...anOrderEvent({ customerId: id, eventId: `${id}-o`, eventTime: T0 + 3_600_000, amountBase: value * 0.4 }), source: null },
    { ...anOrderEvent({ customerId: id, eventId: `${id}-o2`, eventTime: T0 + 7_200_000, amountBase: value * 0.6 }), source: null },
  ]);
  const schemaId = await codec.register(valueSubject(topics.customerEvents), avroSchemas.customerEvent);
  await producer.send(
    topics.customerEvents,
    events.map((e) => ({ key: e.customerId, value: codec.encode(schemaId, avroSchemas.customerEvent, e) })),
  );
  await waitFor(
    'every customer in a value tier',
    async () =>
      (await tiers()).size === customers.length &&
      (await metricTotal(metrics, 'segmenter_records_total', { result: 'applied' })) === events.length,
  );
});

afterAll(async () => {
  await changes?.close();
  await pipeline?.stop();
  await producer?.disconnect();
  await deleteRunKeys(config.REDIS_URL, run);
  await deleteTopicsWithPrefix(kafka(), run);
  rmSync(dir, { recursive: true, force: true });
});

describe('population thresholds', () => {
  it('are computed from stored state, published as a new version, and move the tiers to match', async () => {
    const before = await tiers();
    const out = join(dir, 'population.yaml');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(repoRoot, 'services', 'app', 'src', 'rules-cli.ts'), 'population', '--out', out, '--publish', '--by', 'analyst@example'],
      { env: { ...process.env, ...env }, cwd: repoRoot },
    );
    const printed = JSON.parse(stdout.slice(0, stdout.lastIndexOf('}') + 1)) as PopulationThresholds & {
      base: string;
      version: string;
      dryRun: DryRunReport;
      orderValueFit: unknown;
    };
    expect(printed.counts).toMatchObject({ customers: 40, skipped: 0, byIndustry: { MANUFACTURING: 40 } });
    // The Gamma-Gamma fit read every customer's two orders, and kept the prior: 40 are fewer than value.fit_min_customers.
    expect(printed.orderValueFit).toEqual({
      skipped: expect.stringContaining('40 customers with 2+ orders in 365 days, fewer than value.fit_min_customers (100)') as unknown,
      customers: 40,
    });
    const { high_value: high, medium_value: medium } = printed.industryParameters.MANUFACTURING!;
    expect(high).toBeGreaterThan(medium!);
    const written = compileRules(readFileSync(out, 'utf8'));
    expect(written.version).toBe(printed.version);
    expect(written.file.industry_parameters.MANUFACTURING).toEqual(printed.industryParameters.MANUFACTURING);

    const history = await readRulesHistory({ kafka: kafka(), codec }, topics.rulesVersions);
    expect(history.at(-1)).toMatchObject({
      version: printed.version,
      appliedBy: 'analyst@example',
      note: expect.stringContaining('population thresholds from 40 customers') as unknown,
    });
    await waitFor(
      'every partition at the new version',
      async () => (await metricTotal(metrics, 'segmenter_records_total', { result: 'control' })) === 12,
    );

    const after = await tiers();
    // Nobody was high; now exactly those at or above the computed threshold are, from that threshold's version.
    const nowHigh = customers.filter((c) => after.get(c.id)!.toSegment === 'high');
    expect(nowHigh.map((c) => c.id)).toEqual(customers.filter((c) => c.value >= high!).map((c) => c.id));
    expect(nowHigh.length).toBeGreaterThan(0);
    for (const c of nowHigh) expect(after.get(c.id)).toMatchObject({ cause: 'rules_changed', ruleVersion: printed.version });
    // The dry run printed beside the thresholds counted exactly the customers that moved.
    const moved = customers.filter((c) => after.get(c.id)!.sequence !== before.get(c.id)!.sequence).length;
    expect(printed.dryRun.moving).toBe(moved);
    expect(printed.dryRun.changes.value_tier?.['medium → high']).toBe(nowHigh.length);
  });
});
