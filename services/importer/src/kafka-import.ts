import { randomUUID } from 'node:crypto';
import { importLedgerTopic, topicNames } from '@segmentation/contracts';
import {
  AvroCodec,
  createKafka,
  CustomerEventLogWriter,
  kafkaSecurity,
  probeKafka,
  probeSchemaRegistry,
  provisionPipeline,
  ReliableProducer,
} from '@segmentation/kafka';
import { readErasedCustomers } from '@segmentation/erasure';
import type { Logger } from '@segmentation/runtime';
import { withSpillFolder } from './external-sort.ts';
import { runImport, type ImportDeps, type ImportSettings } from './importer.ts';
import { KafkaImportLedger } from './kafka-ledger.ts';
import { SqliteKnownStore } from './ledger-index.ts';
import type { ImportEnv } from './options.ts';
import type { ImportSummary } from './report.ts';

/**
 * A real run: provisions the pipeline's topics and schemas (an import may be the first thing a
 * new installation runs), reads the erasure list and the ledger, and imports into `customer-events`.
 */
export async function importIntoKafka(
  env: ImportEnv,
  settings: ImportSettings,
  deps: Pick<ImportDeps, 'report' | 'progress' | 'preflight'>,
  logger: Logger,
): Promise<ImportSummary> {
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
    // The ledger topic is read into an index on disk, rebuilt on every run and removed after it.
    return await withSpillFolder(settings.tempDir, async (folder) => {
      const ledger = await KafkaImportLedger.open(kafka, producer, ledgerTopic, run, new SqliteKnownStore(folder.path));
      try {
        logger.info('import_started', {
          run,
          topic: topics.customerEvents,
          ledgerTopic,
          ledgerSize: ledger.size,
          files: settings.files.map((f) => f.path),
        });
        const summary = await runImport(settings, { ...deps, log, ledger, now: Date.now, erased: (id) => erased.has(id) });
        logger.info('import_finished', {
          run,
          rowsRead: summary.rowsRead,
          imported: summary.imported,
          alreadyImported: summary.alreadyImported,
          rejected: summary.rejected,
        });
        return summary;
      } finally {
        ledger.close();
      }
    });
  } finally {
    await producer.disconnect();
  }
}
