// Value tiers calibrated by default after an import (docs/rules.md, "Calibration after an import"),
// through real Kafka, the registry and Redis: `pnpm import-history` (a process of its own) writes a
// small generated history, the segmenter consumes it, and the command then publishes the
// population's thresholds as a rules version, noted as the automatic calibration; the tiers split
// the customers by the configured shares. With the segmenter stopped the import still reports its
// own result and names the command to run later; a version published while the calibration waits
// is not undone (the publish is refused); rules saying `population.auto: false` stop it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startPipeline, type Config, type Pipeline } from '@segmentation/app';
import { calibrateValueTiers, logEnds, type CalibrationOutcome } from '../services/app/src/population-calibration.ts';
import { avroSchemas, topicNames, type SegmentChange } from '@segmentation/contracts';
import { AvroCodec, createKafka, ReliableProducer } from '@segmentation/kafka';
import { readRulesHistory } from '@segmentation/readers';
import { createLogger, createMetricsRegistry, type Registry } from '@segmentation/runtime';
import { compileRules } from '@segmentation/segmentation';
import { applyRulesVersion } from '@segmentation/segmenter';
import { deleteTopicsWithPrefix, groupMembers, metricTotal } from './harness/kafka-state.ts';
import { deleteRunKeys, runEnv } from './harness/segmenter-run.ts';
import { repoRoot, testServices } from './harness/services.ts';
import { TopicReader } from './harness/topic-reader.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const run = uniqueName('calibration');
const logger = createLogger({ service: 'calibration-test' }, 'warn');
const topics = topicNames(`${run}.`);
const dir = mkdtempSync(join(tmpdir(), 'calibration-test-'));
// The shipped rules (population.auto: true, shares within each industry) without the value tier's
// dwell, so that new thresholds move customers at the control record.
const shipped = readFileSync(join(repoRoot, 'config', 'rules.yaml'), 'utf8');
const rulesText = shipped.replace('min_dwell_days: 30', 'min_dwell_days: 0');

// 60 retailers whose two orders add up to 100, 200 … 6,000 CNY: low under the shipped thresholds
// (medium from 20,000), far from the rising-value rule (50,000), and with two orders on
// consecutive days no rhythm of their own for the predicted-value rule.
const customers = Array.from({ length: 60 }, (_, i) => ({ id: `C-CAL-${String(i + 1).padStart(2, '0')}`, value: 100 * (i + 1) }));

let env: Record<string, string>;
let config: Config;
let codec: AvroCodec;
let pipeline: Pipeline | undefined;
let metrics: Registry;
let changes: TopicReader;

const kafka = () => createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'calibration-test' }, logger);
const history = () => readRulesHistory({ kafka: kafka(), codec }, topics.rulesVersions);

function writeHistory(name: string, rows: typeof customers, day: number): string[] {
  const profiles = join(dir, `${name}-profiles.csv`);
  const orders = join(dir, `${name}-orders.csv`);
  writeFileSync(
    profiles,
    [
      'customer_id,industry,customer_type,country,signed_up_at,event_time',
      ...rows.map((c) => `${c.id},retail,shipper,CN,2024-01-01,2025-06-0${day} 08:00`),
    ].join('\n') + '\n',
  );
  writeFileSync(
    orders,
    [
      'customer_id,order_id,order_status,order_time,order_amount,currency,service_level,origin_country,destination_country',
      ...rows.flatMap((c) => [
        `${c.id},${c.id}-A,placed,2025-06-0${day + 1} 09:00,${(c.value * 2) / 5},CNY,standard,CN,DE`,
        `${c.id},${c.id}-B,placed,2025-06-0${day + 2} 09:00,${(c.value * 3) / 5},CNY,standard,CN,DE`,
      ]),
    ].join('\n') + '\n',
  );
  return ['--profiles', profiles, '--orders', orders];
}

interface ImportRun {
  exitCode: number;
  summary: { imported: number; rejected: number; calibration?: CalibrationOutcome };
}

/** `pnpm import-history … --json` against the run's topics, groups and keys. */
async function importHistory(files: string[]): Promise<ImportRun> {
  const args = [
    join(repoRoot, 'services/app/src/import-history-cli.ts'),
    ...files,
    '--report',
    join(dir, 'rejects.jsonl'),
    '--json',
    '--quiet',
  ];
  const { stdout, exitCode } = await promisify(execFile)(process.execPath, args, { cwd: repoRoot, env: { ...process.env, ...env } })
    .then((r) => ({ stdout: r.stdout, exitCode: 0 }))
    .catch((err: { stdout: string; stderr: string; code: number }) => {
      if (err.code !== 3) throw new Error(`import-history exited with ${err.code}: ${err.stderr}`);
      return { stdout: err.stdout, exitCode: err.code };
    });
  return { exitCode, summary: JSON.parse(stdout) as ImportRun['summary'] };
}

async function tiers(): Promise<Map<string, string>> {
  const last = new Map<string, SegmentChange>();
  for (const m of changes.messages) {
    const c = await codec.decode<SegmentChange>(m.value, avroSchemas.segmentChange);
    if (c.dimension === 'value_tier' && (last.get(c.customerId)?.sequence ?? 0) < c.sequence) last.set(c.customerId, c);
  }
  return new Map([...last].map(([id, c]) => [id, c.toSegment]));
}

async function startSegmenter(): Promise<void> {
  metrics = createMetricsRegistry(false);
  pipeline = await startPipeline(config, logger, metrics);
}

beforeAll(async () => {
  const rulesFile = join(dir, 'rules.yaml');
  writeFileSync(rulesFile, rulesText);
  env = { ...runEnv(services, run), ROLES: 'segmenter', RULES_FILE: rulesFile };
  config = loadConfig(env);
  codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
  await startSegmenter();
  changes = await TopicReader.open(config.KAFKA_BROKERS, topics.segmentChanges);
});

afterAll(async () => {
  await changes?.close();
  await pipeline?.stop();
  await deleteRunKeys(config.REDIS_URL, run);
  await deleteTopicsWithPrefix(kafka(), run);
  rmSync(dir, { recursive: true, force: true });
});

describe('value tiers calibrated after an import', () => {
  it('publishes the population thresholds once the segmenter has consumed the import, and the tiers take the configured shares', async () => {
    const before = await history();
    expect(before).toHaveLength(1); // RULES_FILE, applied by the segmenter on its first start
    const { exitCode, summary } = await importHistory(writeHistory('first', customers, 1));
    expect(exitCode).toBe(0);
    expect(summary).toMatchObject({
      imported: 180,
      rejected: 0,
      calibration: { outcome: 'published', basedOn: before[0]!.version, customers: 60 },
    });

    const versions = await history();
    expect(versions).toHaveLength(2);
    const calibrated = versions[1]!;
    expect(calibrated.note).toContain('automatic calibration after an import of 180 events: population thresholds from 60 customers');
    expect(calibrated.note).toContain(`pnpm rules restore ${before[0]!.version}`);
    // The thresholds are the quantiles of the imported values within the industry (type 7: 100 · (1 + 59p)).
    const retail = compileRules(calibrated.content).file.industry_parameters.RETAIL!;
    expect(retail).toMatchObject({ high_value: 5292, high_value_exit: 5056, medium_value: 3345, medium_value_exit: 2932 });
    // Only the population's own sections changed: the rest of the rules text is the base's.
    const parameterLines = (text: string) =>
      text
        .split('\n')
        .filter((l) => !/^ {2}(RETAIL|recency_days|frequency_orders_365d|monetary_value_365d|gamma_gamma)\b|^industry_parameters/.test(l));
    expect(parameterLines(calibrated.content)).toEqual(parameterLines(before[0]!.content));

    await waitFor(
      'every partition at the calibrated version',
      async () => (await metricTotal(metrics, 'segmenter_records_total', { result: 'control' })) === 12,
    );
    const tier = await waitFor('every customer in a tier under the calibrated thresholds', async () => {
      const t = await tiers();
      return customers.every((c) => t.has(c.id)) && [...t.values()].includes('high') ? t : undefined;
    });
    const count = (segment: string) => customers.filter((c) => tier.get(c.id) === segment).length;
    // The configured shares: high the top 12% (quantile 0.88), medium the next 33% (0.55 … 0.88).
    // A type-7 quantile of n distinct values leaves ⌈(1 − p)(n − 1)⌉ of them at or above it, so each
    // tier holds its share of the 60 customers give or take one: the tolerance is one customer.
    expect(Math.abs(count('high') - 0.12 * 60)).toBeLessThanOrEqual(1);
    expect(Math.abs(count('medium') - 0.33 * 60)).toBeLessThanOrEqual(1);
    expect(Math.abs(count('low') - 0.55 * 60)).toBeLessThanOrEqual(1);
    // Exactly the customers at or above each published threshold.
    expect(customers.filter((c) => tier.get(c.id) === 'high').map((c) => c.id)).toEqual(
      customers.filter((c) => c.value >= retail.high_value!).map((c) => c.id),
    );
    expect(customers.filter((c) => tier.get(c.id) === 'medium').map((c) => c.id)).toEqual(
      customers.filter((c) => c.value >= retail.medium_value! && c.value < retail.high_value!).map((c) => c.id),
    );
  });

  it("keeps the import's result and names the command to run later when no segmenter is running", async () => {
    await pipeline?.stop();
    pipeline = undefined;
    await waitFor(
      'the segmenter out of its group',
      async () => (await groupMembers(kafka(), config.GROUP_PREFIX + '-segmenter', topics.customerEvents)).members.size === 0,
    );
    const more = customers.slice(0, 5).map((c) => ({ id: `${c.id}-B`, value: c.value }));
    const { exitCode, summary } = await importHistory(writeHistory('second', more, 4));
    expect(exitCode).toBe(0);
    expect(summary).toMatchObject({ imported: 15, rejected: 0, calibration: { outcome: 'no_segmenter', remaining: 15 } });
    expect(summary.calibration?.message).toContain('`pnpm rules population --publish`');
    expect(await history()).toHaveLength(2);
  }, 60_000);

  it('is refused when another version is published while it waits, and leaves that version in force', async () => {
    const inForce = (await history()).at(-1)!;
    const ends = await logEnds(config, logger);
    // The segmenter is stopped: the 15 records of the second import are still to consume, so the
    // calibration is waiting when someone publishes; then the segmenter starts and consumes them.
    let published: Promise<void> | undefined;
    const outcome = await calibrateValueTiers(config, logger, {
      trigger: 'a test load',
      ends,
      progress: () => undefined,
      timing: { waitMs: 120_000, pollMs: 200, noSegmenterMs: 120_000 },
      onWait: () => {
        published ??= (async () => {
          const producer = new ReliableProducer(kafka());
          await producer.connect();
          try {
            const someoneElse = compileRules(rulesText.replace('rising_value: 50000', 'rising_value: 55000'));
            await applyRulesVersion({ kafka: kafka(), producer, codec }, topics, someoneElse, {
              appliedBy: 'analyst@example',
              appliedAt: Date.now(),
              note: 'rising value from 55k',
            });
          } finally {
            await producer.disconnect();
          }
          await startSegmenter();
        })();
      },
    });
    await published;
    expect(outcome).toMatchObject({
      outcome: 'refused',
      message: expect.stringContaining(`computed from version ${inForce.version}`) as unknown,
    });
    const versions = await history();
    expect(versions).toHaveLength(3);
    expect(versions.at(-1)).toMatchObject({ appliedBy: 'analyst@example', note: 'rising value from 55k' });
  }, 120_000);

  it('does nothing when the rules in force say population.auto: false', async () => {
    const off = join(dir, 'off.yaml');
    writeFileSync(off, rulesText.replace('  auto: true ', '  auto: false'));
    await promisify(execFile)(
      process.execPath,
      [join(repoRoot, 'services/app/src/rules-cli.ts'), 'publish', off, '--note', 'no automatic calibration'],
      { cwd: repoRoot, env: { ...process.env, ...env } },
    );
    const versions = await history();
    expect(versions.at(-1)?.note).toBe('no automatic calibration');
    const more = customers.slice(0, 5).map((c) => ({ id: `${c.id}-C`, value: c.value * 100 }));
    const { exitCode, summary } = await importHistory(writeHistory('third', more, 6));
    expect(exitCode).toBe(0);
    expect(summary).toMatchObject({ imported: 15, calibration: { outcome: 'off', version: versions.at(-1)!.version } });
    // The command ./dev start runs after the demo's load says the same, and succeeds: turned off is not a failure.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(repoRoot, 'services/app/src/rules-cli.ts'), 'calibrate', '--after', 'a test load'],
      { cwd: repoRoot, env: { ...process.env, ...env } },
    );
    expect(stdout).toContain('value tiers: not calibrated: the rules in force');
    expect(stdout).toContain('population.auto: false');
    expect(await history()).toHaveLength(versions.length);
  }, 60_000);
});
