// Wiring of a simulator run against real Kafka and the registry: provision, simulate, write the
// ground truth. The CLI and the integration tests both come through here.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { sourceContracts, topicNames } from '@segmentation/contracts';
import {
  AvroCodec,
  createKafka,
  CustomerEventLogWriter,
  topicOffsets,
  probeKafka,
  probeSchemaRegistry,
  provisionPipeline,
  ReliableProducer,
  type Kafka,
} from '@segmentation/kafka';
import type { Logger } from '@segmentation/runtime';
import { emptyReport, runFast, type Progress, type RunReport } from './fast-mode.ts';
import { writeGroundTruth } from './ground-truth.ts';
import { createSourcePublisher } from './kafka-outputs.ts';
import { runLive, systemClock, type Clock } from './live-mode.ts';
import type { SimulatorOptions } from './options.ts';
import { Simulation } from './simulation.ts';

export interface SimulatorRun {
  report: RunReport;
  /** Set when --if-empty found customer-events already holding records, and nothing was written. */
  skipped?: string;
  mode: 'fast' | 'live';
  start: string;
  elapsedMs: number;
  groundTruthPath: string;
  customerEventsTopic: string;
}

export interface RunDeps {
  logger: Logger;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  clock?: Clock;
}

export async function runSimulation(options: SimulatorOptions, deps: RunDeps): Promise<SimulatorRun> {
  const topics = topicNames(options.topicPrefix);
  await probeKafka(options.kafkaBrokers);
  await probeSchemaRegistry(options.schemaRegistryUrl);
  const kafka = createKafka({ brokers: options.kafkaBrokers, clientId: 'simulator', security: options.kafkaSecurity }, deps.logger);
  const codec = new AvroCodec(options.schemaRegistryUrl);
  // Topics and schemas must exist before the first record, whether or not the pipeline ever ran.
  await provisionPipeline(kafka, codec, topics);
  if (options.mode === 'fast' && options.ifEmpty) {
    const held = await recordsIn(kafka, topics.customerEvents);
    if (held > 0) {
      const skipped = `${topics.customerEvents} already holds ${held} records: history not written again`;
      deps.logger.info('simulation_skipped', { topic: topics.customerEvents, records: held });
      return {
        report: emptyReport(),
        skipped,
        mode: options.mode,
        start: options.start,
        elapsedMs: 0,
        groundTruthPath: options.groundTruthPath,
        customerEventsTopic: topics.customerEvents,
      };
    }
  }
  const producer = new ReliableProducer(kafka);
  await producer.connect();
  try {
    const simulation = new Simulation({ seed: options.seed, customers: options.customers, days: options.days, start: options.start });
    const resume = options.resumeFile === undefined ? undefined : resumeFrom(options.resumeFile);
    const settings = {
      batchSize: options.batchSize,
      limit: options.limit,
      signal: deps.signal,
      onProgress: deps.onProgress,
      fromDay: Math.max(options.fromDay, resume?.nextDay ?? 0),
      onPublished: resume?.published,
    };
    const began = performance.now();
    let report: RunReport;
    if (options.mode === 'fast') {
      const writer = await CustomerEventLogWriter.open(producer, codec, topics.customerEvents);
      const validation = { currencies: options.currencies, now: Date.now(), maxFutureSkewMs: options.maxFutureSkewMs };
      report = await runFast(simulation, writer, sourceContracts(topics), validation, settings);
    } else {
      const publisher = await createSourcePublisher(producer, codec, topics);
      report = await runLive(simulation, publisher, deps.clock ?? systemClock, options.rate, settings);
    }
    const elapsedMs = performance.now() - began;
    writeGroundTruth(options.groundTruthPath, simulation.groundTruth());
    deps.logger.info('simulation_finished', {
      mode: options.mode,
      events: report.total,
      invalid: report.invalid,
      elapsedMs: Math.round(elapsedMs),
    });
    return {
      report,
      mode: options.mode,
      start: options.start,
      elapsedMs,
      groundTruthPath: options.groundTruthPath,
      customerEventsTopic: topics.customerEvents,
    };
  } finally {
    await producer.disconnect();
  }
}

/** Records a topic holds (over every partition). */
async function recordsIn(kafka: Kafka, topic: string): Promise<number> {
  return [...(await topicOffsets(kafka, topic)).values()].reduce((n, p) => n + p.high - p.low, 0);
}

/** The day after the last one a previous live run published (in `file`), and how to record this run's. */
function resumeFrom(file: string): { nextDay: number; published: (day: number) => void } {
  const saved = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : Number.NaN;
  let last = -1;
  return {
    nextDay: Number.isInteger(saved) && saved >= 0 ? saved + 1 : 0,
    published: (day) => {
      if (day === last) return;
      last = day;
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${day}\n`);
    },
  };
}
