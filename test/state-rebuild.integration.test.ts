// Redis is derived state (DESIGN.md invariant 10): `pnpm rebuild-state` rebuilds it from
// `customer-events`. Two runs read the same simulated log: one undisturbed; the other has its Redis
// wiped half-way, rebuilt with the command, and goes on. Both must end with the same state for every
// customer and the same change and alert ids, each sent once: the rebuild sends nothing again.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startPipeline, type Config, type Pipeline } from '@segmentation/app';
import { avroSchemas, topicNames, type ChurnAlert, type CustomerEvent, type SegmentChange } from '@segmentation/contracts';
import { AvroCodec, createKafka, CustomerEventLogWriter, readTopicToEnd, ReliableProducer } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry } from '@segmentation/runtime';
import { simulateHistory } from '@segmentation/simulator';
import { committedOffsets, deleteTopicsWithPrefix } from './harness/kafka-state.ts';
import { deleteRunKeys, runEnv } from './harness/segmenter-run.ts';
import { testServices } from './harness/services.ts';
import { storedStates } from './harness/stored-states.ts';
import { uniqueName } from './harness/unique.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const logger = createLogger({ service: 'rebuild-test' }, 'warn');
const repoRoot = join(import.meta.dirname, '..');

interface Run {
  name: string;
  env: Record<string, string>;
  config: Config;
  writer: CustomerEventLogWriter;
  pipeline?: Pipeline;
  written: number;
}

const runs: Run[] = [];
let producer: ReliableProducer;
let codec: AvroCodec;
let events: CustomerEvent[];

const kafka = () => createKafka({ brokers: services.kafkaBrokers, clientId: 'rebuild-test' }, logger);

async function openRun(label: string): Promise<Run> {
  const name = uniqueName(label);
  const env = { ...runEnv(services, name), ROLES: 'segmenter' };
  const config = loadConfig(env);
  const pipeline = await startPipeline(config, logger, createMetricsRegistry(false));
  const run: Run = { name, env, config, pipeline, writer: await CustomerEventLogWriter.open(producer, codec, topicNames(config.TOPIC_PREFIX).customerEvents), written: 0 };
  runs.push(run);
  return run;
}

async function write(run: Run, slice: CustomerEvent[]): Promise<void> {
  for (let i = 0; i < slice.length; i += 2000) await run.writer.write(slice.slice(i, i + 2000));
  run.written += slice.length;
}

const caughtUp = (run: Run) => waitFor(`${run.name} caught up`, async () =>
  (await committedOffsets(kafka(), `${run.config.GROUP_PREFIX}-segmenter`, topicNames(run.config.TOPIC_PREFIX).customerEvents)) === run.written, 120_000);

/** Every id on a run's output topic, sorted, duplicates kept. */
async function idsOn(run: Run, topic: 'segmentChanges' | 'churnAlerts'): Promise<string[]> {
  const ids: string[] = [];
  const schema = topic === 'segmentChanges' ? avroSchemas.segmentChange : avroSchemas.churnAlert;
  await readTopicToEnd(kafka(), topicNames(run.config.TOPIC_PREFIX)[topic], async (m) => {
    const d = await codec.decode<Partial<SegmentChange & ChurnAlert>>(m.value, schema);
    ids.push(d.changeId ?? d.alertId ?? '');
  });
  return ids.sort();
}

beforeAll(async () => {
  codec = new AvroCodec(services.schemaRegistryUrl);
  producer = new ReliableProducer(kafka());
  await producer.connect();
  events = await simulateHistory({ seed: 42, customers: 150, days: 150, start: '2025-03-01' });
  await openRun('undisturbed');
  await openRun('rebuilt');
});

afterAll(async () => {
  for (const run of runs) await run.pipeline?.stop();
  await producer?.disconnect();
  for (const run of runs) {
    await deleteRunKeys(services.redisUrl, run.name);
    await deleteTopicsWithPrefix(kafka(), run.name);
  }
});

describe('rebuilding the state from customer-events', () => {
  it('ends with the same state and the same ids as a run that was never disturbed', async () => {
    const [undisturbed, rebuilt] = runs as [Run, Run];
    const half = Math.floor(events.length / 2);
    await write(undisturbed, events);
    await write(rebuilt, events.slice(0, half));
    await caughtUp(rebuilt);

    await rebuilt.pipeline!.stop();
    rebuilt.pipeline = undefined;
    const before = await storedStates(services.redisUrl, rebuilt.config.REDIS_KEY_PREFIX);
    await deleteRunKeys(services.redisUrl, rebuilt.name);
    expect((await storedStates(services.redisUrl, rebuilt.config.REDIS_KEY_PREFIX)).size).toBe(0);
    const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot, 'services', 'app', 'src', 'rebuild-cli.ts'), '--yes'], { env: { ...process.env, ...rebuilt.env }, cwd: repoRoot });
    const report = JSON.parse(stdout) as { records: number; customers: number };
    expect(report).toMatchObject({ records: half, customers: before.size });
    expect(await storedStates(services.redisUrl, rebuilt.config.REDIS_KEY_PREFIX)).toEqual(before);

    rebuilt.pipeline = await startPipeline(rebuilt.config, logger, createMetricsRegistry(false));
    await write(rebuilt, events.slice(half));
    await caughtUp(rebuilt);
    await caughtUp(undisturbed);

    const reference = await storedStates(services.redisUrl, undisturbed.config.REDIS_KEY_PREFIX);
    const result = await storedStates(services.redisUrl, rebuilt.config.REDIS_KEY_PREFIX);
    console.log(`state rebuild: ${events.length} events, ${reference.size} customers, rebuilt from ${half} records`);
    expect(reference.size).toBeGreaterThan(100);
    expect(result).toEqual(reference);
    const changes = await idsOn(undisturbed, 'segmentChanges');
    expect(changes.length).toBeGreaterThan(reference.size);
    expect(await idsOn(rebuilt, 'segmentChanges')).toEqual(changes);
    expect(await idsOn(rebuilt, 'churnAlerts')).toEqual(await idsOn(undisturbed, 'churnAlerts'));
  });

  it('refuses while a segmenter is running', async () => {
    const running = runs[0]!;
    const failure = await promisify(execFile)(process.execPath, [join(repoRoot, 'services', 'app', 'src', 'rebuild-cli.ts'), '--yes'], { env: { ...process.env, ...running.env }, cwd: repoRoot })
      .then(() => undefined, (err: { stderr: string; code: number }) => err);
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/running member\(s\): stop every segmenter before rebuilding its state/);
    expect((await storedStates(services.redisUrl, running.config.REDIS_KEY_PREFIX)).size).toBeGreaterThan(0);
  });
});
