// The churn backtest replays `customer-events` as the segmenter runs it (each partition on its own
// clock, the same fold), so for the rules in force it decides exactly the churn alerts the pipeline
// emitted through real Kafka and Redis: the same ids, levels, times and episodes. That is what lets
// a company trust the backtest's figures as the alerts its account managers would have received.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRules, startPipeline, type Config, type Pipeline } from '@segmentation/app';
import { avroSchemas, topicNames, type ChurnAlert } from '@segmentation/contracts';
import { AvroCodec, createKafka, CustomerEventLogWriter, readTopicToEnd, ReliableProducer } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry } from '@segmentation/runtime';
import { calendarFor } from '@segmentation/segmentation';
import { readLogPartitions, replayPartitions } from '@segmentation/segmenter';
import { readRulesHistory } from '@segmentation/readers';
import { simulateHistory } from '@segmentation/simulator';
import { deleteTopicsWithPrefix, groupProgress } from './harness/kafka-state.ts';
import { deleteRunKeys, runEnv, segmenterOnlyConfig } from './harness/segmenter-run.ts';
import { repoRoot, testServices } from './harness/services.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const run = uniqueName('backtest');
const logger = createLogger({ service: 'churn-backtest-test' }, 'warn');
const topics = topicNames(`${run}.`);

let config: Config;
let pipeline: Pipeline | undefined;
const kafka = () => createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'churn-backtest-test' }, logger);
const churn = (args: string[]) =>
  promisify(execFile)(process.execPath, [join(repoRoot, 'services', 'app', 'src', 'churn-cli.ts'), ...args], {
    env: { ...process.env, ...runEnv(services, run) },
    cwd: repoRoot,
    maxBuffer: 16 * 1024 * 1024,
  });

beforeAll(async () => {
  config = segmenterOnlyConfig(services, run);
  pipeline = await startPipeline(config, logger, createMetricsRegistry(false));
});

afterAll(async () => {
  await pipeline?.stop();
  await deleteRunKeys(config.REDIS_URL, run);
  await deleteTopicsWithPrefix(kafka(), run);
});

describe('the churn backtest', () => {
  it('decides exactly the churn alerts the pipeline emitted, episodes included', async () => {
    const codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
    const events = await simulateHistory({ seed: 31, customers: 80, days: 300, start: '2025-01-01' });
    const producer = new ReliableProducer(kafka());
    await producer.connect();
    try {
      const writer = await CustomerEventLogWriter.open(producer, codec, topics.customerEvents);
      for (let i = 0; i < events.length; i += 2000) await writer.write(events.slice(i, i + 2000));
    } finally {
      await producer.disconnect();
    }
    await waitFor(
      'the segmenter applied the whole log',
      async () => {
        const progress = await groupProgress(kafka(), `${run}-segmenter`, topics.customerEvents);
        return [...progress.values()].every((p) => p.committed >= p.end) || undefined;
      },
      180_000,
    );

    // Offsets follow effects: every alert of the applied log is on the topic.
    const emitted: ChurnAlert[] = [];
    await readTopicToEnd(kafka(), topics.churnAlerts, async (m) => {
      emitted.push(await codec.decode<ChurnAlert>(m.value, avroSchemas.churnAlert));
    });
    const { partitions } = await readLogPartitions(kafka(), codec, topics);
    const replay = await replayPartitions(partitions, loadRules(config), calendarFor(config.BUSINESS_TIME_ZONE));
    const decided = replay.outputs.flatMap((o) => (o.kind === 'alert' ? [o.value] : []));

    const key = (a: Omit<ChurnAlert, 'detectedAt'>) =>
      `${a.alertId} ${a.level} ${a.eventTime} ${a.riskScore} ${a.episodeId} ${a.episodeEvent} ${a.cause}`;
    expect(emitted.length).toBeGreaterThan(20);
    expect(new Set(emitted.map((a) => a.episodeEvent))).toContain('opened');
    expect(decided.map(key).sort()).toEqual(emitted.map(key).sort());
  });

  it("fits the model on the pipeline's own history, backtests it beside the rules in force, and publishes it as a rules version", async () => {
    const codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
    const before = (await readRulesHistory({ kafka: kafka(), codec }, topics.rulesVersions)).at(-1)!;
    const fitted = join(mkdtempSync(join(tmpdir(), 'churn-fit-')), 'fitted.yaml');
    const fit = await churn(['fit', '--holdout-days', '90', '--out', fitted]);
    expect(fit.stdout).toMatch(/history: \d+ events of \d+ ordering customers/);
    expect(fit.stdout).toMatch(/calibration on the held-out cut-offs, by decile/);
    expect(fit.stdout).toMatch(/priors \(customers\): pooled r=[\d.]+ α=[\d.]+/);

    const backtest = await churn(['backtest', '--rules', fitted]);
    expect(backtest.stdout).toContain(`in force ${before.version}`);
    expect(backtest.stdout).toMatch(/candidate [0-9a-f]{12}/);
    const [inForce, candidate] = JSON.parse(backtest.stdout.trim().split('\n').at(-1)!) as Array<{
      rulesVersion: string;
      customers: number;
      warning: { episodes: number };
    }>;
    expect(inForce!.rulesVersion).toBe(before.version);
    expect(inForce!.customers).toBe(80);
    expect(candidate!.rulesVersion).not.toBe(before.version);

    // This history's fit predicts its held-out months better than the shipped prior: published.
    const published = await churn(['fit', '--holdout-days', '90', '--publish', '--by', 'churn-test']);
    expect(published.stdout).toMatch(/rules version [0-9a-f]{12} applied/);
    const after = (await readRulesHistory({ kafka: kafka(), codec }, topics.rulesVersions)).at(-1)!;
    expect(after.appliedBy).toBe('churn-test');
    expect(after.version).not.toBe(before.version);
    expect(after.content).toMatch(/fitted: \{|fitted:\n/);
  });
});
