import { randomUUID } from 'node:crypto';
import { importLedgerTopic, parseRates, topicNames } from '@segmentation/contracts';
import { AvroCodec, createKafka, CustomerEventLogWriter, kafkaSecurity, probeKafka, probeSchemaRegistry, provisionPipeline, readErasedCustomers, ReliableProducer } from '@segmentation/kafka';
import type { Logger } from '@segmentation/runtime';
import { checkFiles, runImport, type ImportSettings } from './importer.ts';
import { KafkaImportLedger, MemoryImportLedger } from './ledger.ts';
import type { ImportEnv, ImportOptions } from './options.ts';
import { createProgress, silentProgress, type ProgressOutput } from './progress.ts';
import { createRejectionReport, type ImportSummary } from './report.ts';

/**
 * The whole command once its options are parsed: checks the files, provisions the pipeline's
 * topics and schemas (an import may be the first thing a new installation runs), reads the
 * ledger, and imports.
 */
export async function importHistory(env: ImportEnv, options: ImportOptions, logger: Logger, progressOut: ProgressOutput): Promise<ImportSummary> {
  const settings: ImportSettings = {
    files: options.files,
    mapping: options.mapping,
    timeZone: options.timeZone ?? env.BUSINESS_TIME_ZONE,
    encoding: options.encoding,
    batchSize: options.batchSize,
    currencies: parseRates(env.BASE_CURRENCY, env.CURRENCY_RATES),
    maxFutureSkewMs: env.MAX_FUTURE_SKEW_SECONDS * 1000,
    reportFile: options.reportFile,
  };
  await checkFiles(settings);
  const progress = options.quiet ? silentProgress : (label: string, total: number, unit?: string) => createProgress(label, total, progressOut, unit);
  const report = await createRejectionReport(options.reportFile);
  if (options.dryRun) return runImport(settings, { log: null, ledger: new MemoryImportLedger(), report, now: Date.now, progress });

  await probeKafka(env.KAFKA_BROKERS, undefined, kafkaSecurity(env));
  await probeSchemaRegistry(env.SCHEMA_REGISTRY_URL);
  const topics = topicNames(env.TOPIC_PREFIX);
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: 'import-history', security: kafkaSecurity(env) }, logger);
  const codec = new AvroCodec(env.SCHEMA_REGISTRY_URL);
  await provisionPipeline(kafka, codec, topics);
  const erased = await readErasedCustomers(kafka, codec, topics.customerErasures);
  const producer = new ReliableProducer(kafka);
  await producer.connect();
  try {
    const log = await CustomerEventLogWriter.open(producer, codec, topics.customerEvents);
    const run = randomUUID();
    const ledgerTopic = importLedgerTopic(topics.customerEvents);
    const ledger = await KafkaImportLedger.open(kafka, producer, ledgerTopic, run);
    logger.info('import_started', { run, topic: topics.customerEvents, ledgerTopic, ledgerSize: ledger.size, files: options.files.map((f) => f.path) });
    const summary = await runImport(settings, { log, ledger, report, now: Date.now, progress, erased: (id) => erased.has(id) });
    logger.info('import_finished', { run, rowsRead: summary.rowsRead, imported: summary.imported, alreadyImported: summary.alreadyImported, rejected: summary.rejected });
    return summary;
  } finally {
    await producer.disconnect();
  }
}
