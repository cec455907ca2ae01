// Redis is derived state (DESIGN.md invariant 10): `pnpm rebuild-state` rebuilds it from
// `customer-events`. Two runs read the same simulated log: one undisturbed; the other has its Redis
// wiped half-way, rebuilt with the command, and goes on. Both must end with the same state for every
// customer and the same change and alert ids, each sent once: the rebuild sends nothing again.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline } from '@segmentation/app';
import type { CustomerEvent } from '@segmentation/contracts';
import { AvroCodec, createKafka, ReliableProducer } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry } from '@segmentation/runtime';
import { simulateHistory } from '@segmentation/simulator';
import { deleteTopicsWithPrefix } from './harness/kafka-state.ts';
import { caughtUp, openLogRun, outputIds, writeEvents, type LogRun } from './harness/log-runs.ts';
import { deleteRunKeys } from './harness/segmenter-run.ts';
import { testServices } from './harness/services.ts';
import { storedStates } from './harness/stored-states.ts';

const services = testServices();
const logger = createLogger({ service: 'rebuild-test' }, 'warn');
const repoRoot = join(import.meta.dirname, '..');

const runs: LogRun[] = [];
let producer: ReliableProducer;
let codec: AvroCodec;
let events: CustomerEvent[];

const kafka = () => createKafka({ brokers: services.kafkaBrokers, clientId: 'rebuild-test' }, logger);

beforeAll(async () => {
  codec = new AvroCodec(services.schemaRegistryUrl);
  producer = new ReliableProducer(kafka());
  await producer.connect();
  events = await simulateHistory({ seed: 42, customers: 150, days: 150, start: '2025-03-01' });
  runs.push(await openLogRun(services, 'undisturbed', producer, codec), await openLogRun(services, 'rebuilt', producer, codec));
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
    const [undisturbed, rebuilt] = runs as [LogRun, LogRun];
    const half = Math.floor(events.length / 2);
    await writeEvents(undisturbed, events);
    await writeEvents(rebuilt, events.slice(0, half));
    await caughtUp(rebuilt);

    await rebuilt.pipeline!.stop();
    rebuilt.pipeline = undefined;
    const before = await storedStates(services.redisUrl, rebuilt.config.REDIS_KEY_PREFIX);
    await deleteRunKeys(services.redisUrl, rebuilt.name);
    expect((await storedStates(services.redisUrl, rebuilt.config.REDIS_KEY_PREFIX)).size).toBe(0);
    const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot, 'services', 'app', 'src', 'rebuild-cli.ts'), '--yes'], {
      env: { ...process.env, ...rebuilt.env },
      cwd: repoRoot,
    });
    const report = JSON.parse(stdout) as { records: number; customers: number };
    expect(report).toMatchObject({ records: half, customers: before.size });
    expect(await storedStates(services.redisUrl, rebuilt.config.REDIS_KEY_PREFIX)).toEqual(before);

    rebuilt.pipeline = await startPipeline(rebuilt.config, logger, createMetricsRegistry(false));
    await writeEvents(rebuilt, events.slice(half));
    await caughtUp(rebuilt);
    await caughtUp(undisturbed);

    const reference = await storedStates(services.redisUrl, undisturbed.config.REDIS_KEY_PREFIX);
    const result = await storedStates(services.redisUrl, rebuilt.config.REDIS_KEY_PREFIX);
    console.log(`state rebuild: ${events.length} events, ${reference.size} customers, rebuilt from ${half} records`);
    expect(reference.size).toBeGreaterThan(100);
    expect(result).toEqual(reference);
    const changes = await outputIds(undisturbed, codec, 'segmentChanges');
    expect(changes.length).toBeGreaterThan(reference.size);
    expect(await outputIds(rebuilt, codec, 'segmentChanges')).toEqual(changes);
    expect(await outputIds(rebuilt, codec, 'churnAlerts')).toEqual(await outputIds(undisturbed, codec, 'churnAlerts'));
  });

  it('refuses while a segmenter is running', async () => {
    const running = runs[0]!;
    const failure = await promisify(execFile)(process.execPath, [join(repoRoot, 'services', 'app', 'src', 'rebuild-cli.ts'), '--yes'], {
      env: { ...process.env, ...running.env },
      cwd: repoRoot,
    }).then(
      () => undefined,
      (err: { stderr: string; code: number }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/running member\(s\): stop every segmenter before rebuilding its state/);
    expect((await storedStates(services.redisUrl, running.config.REDIS_KEY_PREFIX)).size).toBeGreaterThan(0);
  });
});
