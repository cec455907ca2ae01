// The Kafka broker restarted in the middle of a run: a broker of this test's own (the
// project's infra/stack.sh under a temporary home and another port), so the shared one is never
// disturbed. The segmenter reports not ready while the broker is away, rejoins by itself when it is
// back, and ends with the same state for every customer and the same change and alert ids as a run
// of the same log on the shared broker that was never disturbed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerEvent } from '@segmentation/contracts';
import { AvroCodec, createKafka, ReliableProducer } from '@segmentation/kafka';
import { createLogger } from '@segmentation/runtime';
import { simulateHistory } from '@segmentation/simulator';
import { deleteTopicsWithPrefix } from './harness/kafka-state.ts';
import { caughtUp, distinctOutputIds, openLogRun, writeEvents, type LogRun } from './harness/log-runs.ts';
import { PrivateStack } from './harness/private-stack.ts';
import { deleteRunKeys } from './harness/segmenter-run.ts';
import { testServices } from './harness/services.ts';
import { storedStates } from './harness/stored-states.ts';
import { waitFor } from './harness/wait-for.ts';

const services = testServices();
const logger = createLogger({ service: 'kafka-restart-test' }, 'error');
const broker = new PrivateStack(19492, 18481); // only its Kafka is started; the registry is the shared one
const privateServices = { ...services, kafkaBrokers: broker.brokers };

let sharedProducer: ReliableProducer;
let privateProducer: ReliableProducer;
let codec: AvroCodec;
let events: CustomerEvent[];
let undisturbed: LogRun;
let disturbed: LogRun;

const ready = (run: LogRun) => run.pipeline!.checks.every((c) => c.isReady());
const notReady = (run: LogRun) =>
  run
    .pipeline!.checks.filter((c) => !c.isReady())
    .map((c) => c.name)
    .join(', ');

beforeAll(async () => {
  await broker.up('kafka');
  codec = new AvroCodec(services.schemaRegistryUrl);
  sharedProducer = new ReliableProducer(createKafka({ brokers: services.kafkaBrokers, clientId: 'kafka-restart-test' }, logger));
  privateProducer = new ReliableProducer(createKafka({ brokers: broker.brokers, clientId: 'kafka-restart-test' }, logger));
  await sharedProducer.connect();
  await privateProducer.connect();
  events = await simulateHistory({ seed: 5, customers: 80, days: 120, start: '2025-05-01' });
  undisturbed = await openLogRun(services, 'calm', sharedProducer, codec);
  disturbed = await openLogRun(privateServices, 'restart', privateProducer, codec);
}, 300_000);

afterAll(async () => {
  await undisturbed?.pipeline?.stop();
  await disturbed?.pipeline?.stop();
  await sharedProducer?.disconnect();
  await privateProducer?.disconnect();
  if (undisturbed) {
    await deleteTopicsWithPrefix(
      createKafka({ brokers: services.kafkaBrokers, clientId: 'kafka-restart-cleanup' }, logger),
      undisturbed.name,
    );
    await deleteRunKeys(services.redisUrl, undisturbed.name);
  }
  if (disturbed) await deleteRunKeys(services.redisUrl, disturbed.name);
  await broker.destroy();
});

describe('the Kafka broker restarted during a run', () => {
  it('holds the segmenter back, which rejoins by itself and ends at the undisturbed result', async () => {
    const half = Math.floor(events.length / 2);
    await writeEvents(undisturbed, events);
    await writeEvents(disturbed, events.slice(0, half));
    await caughtUp(disturbed);

    await broker.down('kafka');
    await waitFor('the segmenter not ready while the broker is away', () => !ready(disturbed) || undefined, 60_000);
    await broker.up('kafka');
    // A wait that fails names the checks still not ready (a consumer that stayed down, say).
    await waitFor('ready again', () => ready(disturbed) || undefined, 180_000).catch((err: Error) => {
      throw new Error(`${err.message}; not ready: ${notReady(disturbed)}`, { cause: err });
    });
    await writeEvents(disturbed, events.slice(half));
    await caughtUp(disturbed, 180_000);
    await caughtUp(undisturbed);

    const reference = await storedStates(services.redisUrl, undisturbed.config.REDIS_KEY_PREFIX);
    const result = await storedStates(services.redisUrl, disturbed.config.REDIS_KEY_PREFIX);
    console.log(`kafka restart: ${events.length} events, ${reference.size} customers, ${events.length - half} written after the restart`);
    expect(reference.size).toBeGreaterThan(40);
    expect(result).toEqual(reference);
    // Outputs may have been sent twice around the fault (at least once, same ids); none missing, none new.
    expect(await distinctOutputIds(disturbed, codec)).toEqual(await distinctOutputIds(undisturbed, codec));
  }, 600_000);
});
