import { loadConfig, startPipeline, type Config, type Pipeline } from '@segmentation/app';
import { avroSchemas, topicNames, type ChurnAlert, type CustomerEvent, type SegmentChange } from '@segmentation/contracts';
import { createKafka, CustomerEventLogWriter, readTopicToEnd, type AvroCodec, type ReliableProducer } from '@segmentation/kafka';
import { createLogger, createMetricsRegistry } from '@segmentation/runtime';
import { committedOffsets } from './kafka-state.ts';
import { runEnv } from './segmenter-run.ts';
import type { TestServices } from './services.ts';
import { uniqueName } from './unique.ts';
import { waitFor } from './wait-for.ts';

// A segmenter run over a log of its own (topics, group and keys under a unique name), for tests that
// compare two runs of the same input: one undisturbed, one through a fault.

const logger = createLogger({ service: 'log-run' }, 'error');

export interface LogRun {
  name: string;
  env: Record<string, string>;
  config: Config;
  pipeline: Pipeline | undefined;
  /** Records written into the run's customer-events so far. */
  written: number;
  writer: CustomerEventLogWriter;
}

export async function openLogRun(
  services: TestServices,
  label: string,
  producer: ReliableProducer,
  codec: AvroCodec,
  env: Record<string, string> = {},
): Promise<LogRun> {
  const name = uniqueName(label);
  const runEnvironment = { ...runEnv(services, name), ROLES: 'segmenter', ...env };
  const config = loadConfig(runEnvironment);
  const pipeline = await startPipeline(config, logger, createMetricsRegistry(false));
  const writer = await CustomerEventLogWriter.open(producer, codec, topicNames(config.TOPIC_PREFIX).customerEvents);
  return { name, env: runEnvironment, config, pipeline, written: 0, writer };
}

export async function writeEvents(run: LogRun, events: CustomerEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 2000) await run.writer.write(events.slice(i, i + 2000));
  run.written += events.length;
}

const kafkaOf = (run: LogRun) => createKafka({ brokers: run.config.KAFKA_BROKERS, clientId: 'log-run' }, logger);

/** How many records of its log the run's segmenter group has committed. */
export const committedRecords = (run: LogRun) =>
  committedOffsets(kafkaOf(run), `${run.config.GROUP_PREFIX}-segmenter`, topicNames(run.config.TOPIC_PREFIX).customerEvents);

/** Waits until the run's segmenter has committed everything written. */
export const caughtUp = (run: LogRun, timeoutMs = 120_000) =>
  waitFor(`${run.name} caught up`, async () => (await committedRecords(run)) === run.written, timeoutMs);

/** Every id on one of the run's output topics, sorted, duplicates kept. */
export async function outputIds(run: LogRun, codec: AvroCodec, topic: 'segmentChanges' | 'churnAlerts'): Promise<string[]> {
  const ids: string[] = [];
  const schema = topic === 'segmentChanges' ? avroSchemas.segmentChange : avroSchemas.churnAlert;
  await readTopicToEnd(kafkaOf(run), topicNames(run.config.TOPIC_PREFIX)[topic], async (m) => {
    const d = await codec.decode<Partial<SegmentChange & ChurnAlert>>(m.value, schema);
    ids.push(d.changeId ?? d.alertId ?? '');
  });
  return ids.sort();
}

/**
 * The distinct change and alert ids a run emitted. Two runs of the same log that decided the same
 * have equal sets, however often a fault made them send an output again (at least once, same ids).
 */
export async function distinctOutputIds(run: LogRun, codec: AvroCodec): Promise<{ segmentChanges: string[]; churnAlerts: string[] }> {
  return {
    segmentChanges: [...new Set(await outputIds(run, codec, 'segmentChanges'))],
    churnAlerts: [...new Set(await outputIds(run, codec, 'churnAlerts'))],
  };
}
