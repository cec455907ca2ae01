// Rules are versioned data (DESIGN.md invariant 9), through real Kafka, the registry and Redis: the
// first start records RULES_FILE as the first version; a dry run says who would move; publishing a
// version writes a control record into every partition, where the segmenter re-evaluates that
// partition's customers (cause rules_changed, the new version, the control record's id); a restore
// puts the old version back the same way; a control record whose rules do not validate is
// dead-lettered and changes nothing; and replaying the whole log emits no new ids.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startPipeline, type Config, type Pipeline } from '@segmentation/app';
import { anOrderEvent, avroSchemas, topicNames, valueSubject, type CustomerEvent, type SegmentChange } from '@segmentation/contracts';
import { AvroCodec, createKafka, ReliableProducer } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry, type Registry } from '@segmentation/runtime';
import { compileRules } from '@segmentation/segmentation';
import { applyRulesVersion, RulesInForceChanged, type DryRunReport } from '@segmentation/segmenter';
import { readRulesHistory } from '@segmentation/readers';
import { deleteTopicsWithPrefix, metricTotal } from './harness/kafka-state.ts';
import { deleteRunKeys, runEnv } from './harness/segmenter-run.ts';
import { testServices } from './harness/services.ts';
import { TopicReader } from './harness/topic-reader.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const run = uniqueName('rules');
const logger = createLogger({ service: 'rules-test' }, 'warn');
const topics = topicNames(`${run}.`);
const T0 = Date.UTC(2030, 2, 4, 2, 0, 0);
const repoRoot = join(import.meta.dirname, '..');

// Version 1: the shipped rules with no dwell in the value tier (so a restore can move a customer
// straight back); version 2 raises the medium tier from 20,000 to 40,000 CNY a year.
const shipped = readFileSync(join(repoRoot, 'config', 'rules.yaml'), 'utf8');
const v1Text = shipped.replace('min_dwell_days: 30', 'min_dwell_days: 0');
const v2Text = v1Text.replace('medium_value: 20000', 'medium_value: 40000').replace('medium_value_exit: 15000', 'medium_value_exit: 35000');
const v1 = compileRules(v1Text);
const v2 = compileRules(v2Text);
const dir = mkdtempSync(join(tmpdir(), 'rules-test-'));
const v1File = join(dir, 'v1.yaml');
const v2File = join(dir, 'v2.yaml');

const medium = uniqueName('A'); // 30,000: medium under v1, low under v2
const high = uniqueName('B');
const low = uniqueName('C');

let env: Record<string, string>;
let config: Config;
let codec: AvroCodec;
let producer: ReliableProducer;
let pipeline: Pipeline | undefined;
let metrics: Registry;
let changes: TopicReader;

const kafka = () => createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'rules-test' }, logger);
const by = (appliedBy: string, note = '') => ({ appliedBy, note, appliedAt: Date.now() });

async function startSegmenter(groupPrefix: string): Promise<void> {
  metrics = createMetricsRegistry(false);
  pipeline = await startPipeline({ ...config, GROUP_PREFIX: groupPrefix }, logger, metrics);
}

async function append(events: CustomerEvent[], partition?: number): Promise<void> {
  const id = await codec.register(valueSubject(topics.customerEvents), avroSchemas.customerEvent);
  await producer.send(
    topics.customerEvents,
    events.map((e) => ({ key: e.customerId || null, value: codec.encode(id, avroSchemas.customerEvent, e), partition })),
  );
}

const valueTierChanges = async (customerId: string): Promise<SegmentChange[]> =>
  (
    await Promise.all(
      changes.messages
        .filter((m) => m.key?.toString() === customerId)
        .map((m) => codec.decode<SegmentChange>(m.value, avroSchemas.segmentChange)),
    )
  ).filter((c) => c.dimension === 'value_tier');

async function rulesCommand(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot, 'services', 'app', 'src', 'rules-cli.ts'), ...args], {
    env: { ...process.env, ...env },
    cwd: repoRoot,
  });
  return stdout;
}

beforeAll(async () => {
  writeFileSync(v1File, v1Text);
  writeFileSync(v2File, v2Text);
  env = { ...runEnv(services, run), ROLES: 'segmenter', RULES_FILE: v1File };
  config = loadConfig(env);
  codec = new AvroCodec(config.SCHEMA_REGISTRY_URL);
  await startSegmenter(run);
  producer = new ReliableProducer(kafka());
  await producer.connect();
  changes = await TopicReader.open(config.KAFKA_BROKERS, topics.segmentChanges);
  await append([
    { ...anOrderEvent({ customerId: medium, eventId: `${medium}-1`, eventTime: T0, amountBase: 30_000 }), source: null },
    { ...anOrderEvent({ customerId: high, eventId: `${high}-1`, eventTime: T0, amountBase: 120_000 }), source: null },
    { ...anOrderEvent({ customerId: low, eventId: `${low}-1`, eventTime: T0, amountBase: 5_000 }), source: null },
  ]);
  await waitFor('every customer in a value tier', async () =>
    (await Promise.all([medium, high, low].map(valueTierChanges))).every((c) => c.length === 1),
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

describe('rules as versioned data', () => {
  it('records RULES_FILE as the first version on the first start', async () => {
    const history = await readRulesHistory({ kafka: kafka(), codec }, topics.rulesVersions);
    expect(history.map((r) => [r.version, r.appliedBy])).toEqual([[v1.version, 'segmenter start-up (RULES_FILE)']]);
    expect(history[0]!.content).toBe(v1Text);
    expect((await valueTierChanges(medium))[0]).toMatchObject({ toSegment: 'medium', ruleVersion: v1.version });
  });

  it('dry-runs a new version: who would move, per dimension and segment, with nothing emitted', async () => {
    const report = JSON.parse(await rulesCommand('dry-run', v2File)) as DryRunReport;
    expect(report).toEqual({
      rulesVersion: v2.version,
      customers: 3,
      moving: 1,
      changes: { value_tier: { 'medium → low': 1 } },
      alerts: {},
      episodes: {},
    });
    expect(await valueTierChanges(medium)).toHaveLength(1);
  });

  it('re-evaluates every customer where the control record puts a new version in force', async () => {
    const applied = await applyRulesVersion({ kafka: kafka(), producer, codec }, topics, v2, by('ops@example', 'medium tier from 40k'));
    const moved = await waitFor('the medium customer moved by the new rules', async () => (await valueTierChanges(medium))[1]);
    expect(moved).toMatchObject({
      fromSegment: 'medium',
      toSegment: 'low',
      sequence: 2,
      cause: 'rules_changed',
      causeEventId: `rules-${v2.version}-${applied.appliedAt}`,
      ruleVersion: v2.version,
      reasons: expect.arrayContaining([
        expect.objectContaining({
          feature: 'order_value_365d',
          condition: 'order_value_365d < $medium_value_exit',
          value: 30_000,
          threshold: 35_000,
        }),
      ]) as unknown,
    });
    await waitFor(
      'every partition re-evaluated',
      async () => (await metricTotal(metrics, 'segmenter_records_total', { result: 'control' })) === 12,
    );
    expect(await metricTotal(metrics, 'segmenter_rules_reevaluated_customers_total')).toBe(3);
    expect(await valueTierChanges(high)).toHaveLength(1);
    expect(await valueTierChanges(low)).toHaveLength(1);
  });

  it('restores an earlier version the same way, recording who did it', async () => {
    const out = await rulesCommand('restore', v1.version, '--by', 'lead@example');
    expect(out).toContain(`rules version ${v1.version} applied by lead@example`);
    const back = await waitFor('the medium customer back in medium', async () => (await valueTierChanges(medium))[2]);
    expect(back).toMatchObject({ fromSegment: 'low', toSegment: 'medium', cause: 'rules_changed', ruleVersion: v1.version });
    const list = await rulesCommand('list');
    expect(
      list
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/).slice(1, 3)),
    ).toEqual([
      [v1.version, 'segmenter'],
      [v2.version, 'ops@example'],
      [v1.version, 'lead@example'],
    ]);
    expect(list).toContain(`restore of ${v1.version}`);
    expect(list.trim().split('\n').at(-1)).toMatch(/\(in force\)$/);
  });

  it('refuses a publisher whose rules were computed from a version no longer in force', async () => {
    // v1 is in force again (restored above); a fit computed from v2 must not undo that.
    await expect(
      applyRulesVersion({ kafka: kafka(), producer, codec }, topics, v2, { ...by('fit@example'), basedOn: v2.version }),
    ).rejects.toBeInstanceOf(RulesInForceChanged);
    expect((await rulesCommand('list')).trim().split('\n')).toHaveLength(3);
  });

  it('dead-letters a control record whose rules do not validate, and keeps the rules in force', async () => {
    const log = await TopicReader.open(config.KAFKA_BROKERS, topics.customerEvents);
    const [first] = await log.waitForMessages(1, (m) => m.key?.toString() === medium);
    await log.close();
    const partition = first!.partition;
    const bad: CustomerEvent = {
      eventId: 'rules-bad',
      customerId: '',
      eventTime: T0,
      source: null,
      body: { 'segmentation.log.RulesApplied': { version: 'bad', content: 'dimensions: [', appliedAt: T0, appliedBy: 'someone' } },
    };
    const late = uniqueName('D');
    await append([bad], partition);
    await append(
      [{ ...anOrderEvent({ customerId: late, eventId: `${late}-1`, eventTime: T0, amountBase: 30_000 }), source: null }],
      partition,
    );
    const dlq = await TopicReader.open(config.KAFKA_BROKERS, topics.customerEventsDeadLetter);
    const [dead] = await dlq.waitForMessages(1);
    await dlq.close();
    expect(dead!.headers['__connect.errors.exception.class.name']?.toString()).toBe('invalid_rules');
    expect(dead!.headers['__connect.errors.exception.message']?.toString()).toMatch(/not valid YAML/);
    const [joined] = await waitFor('the later customer evaluated', async () => {
      const c = await valueTierChanges(late);
      return c.length > 0 ? c : undefined;
    });
    expect(joined).toMatchObject({ toSegment: 'medium', ruleVersion: v1.version });
  });

  it('emits no new ids when the whole log is replayed from its beginning', async () => {
    const before = changes.messages.length;
    await pipeline!.stop();
    await startSegmenter(`${run}-replay`); // a group that lost its offsets: every record comes again
    await waitFor(
      'the whole log replayed',
      async () =>
        (await metricTotal(metrics, 'segmenter_records_total', { result: 'already_applied' })) === 4 &&
        (await metricTotal(metrics, 'segmenter_records_total', { result: 'control' })) === 25,
      60_000,
    );
    expect(await metricTotal(metrics, 'segmenter_records_total', { result: 'applied' })).toBe(0);
    expect(await metricTotal(metrics, 'segmenter_rules_reevaluated_customers_total')).toBe(0);
    expect(changes.messages.length).toBe(before);
  });
});
