// Wiring of a simulator run against real Kafka and the registry: provision, simulate, write the
// ground truth. The CLI and the integration tests both come through here.
import { sourceContracts, topicNames } from '@segmentation/contracts';
import { AvroCodec, createKafka, CustomerEventLogWriter, probeKafka, probeSchemaRegistry, provisionPipeline, ReliableProducer } from '@segmentation/kafka';
import type { Logger } from '@segmentation/runtime';
import { runFast, type Progress, type RunReport } from './fast-mode.ts';
import { writeGroundTruth } from './ground-truth.ts';
import { createSourcePublisher } from './kafka-outputs.ts';
import { runLive, systemClock, type Clock } from './live-mode.ts';
import type { SimulatorOptions } from './options.ts';
import { Simulation } from './simulation.ts';

export interface SimulatorRun {
  report: RunReport;
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
  const producer = new ReliableProducer(kafka);
  await producer.connect();
  try {
    const simulation = new Simulation({ seed: options.seed, customers: options.customers, days: options.days, start: options.start });
    const settings = { batchSize: options.batchSize, limit: options.limit, signal: deps.signal, onProgress: deps.onProgress };
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
    deps.logger.info('simulation_finished', { mode: options.mode, events: report.total, invalid: report.invalid, elapsedMs: Math.round(elapsedMs) });
    return { report, mode: options.mode, start: options.start, elapsedMs, groundTruthPath: options.groundTruthPath, customerEventsTopic: topics.customerEvents };
  } finally {
    await producer.disconnect();
  }
}
