import { parseRates } from '@segmentation/contracts';
import type { Logger } from '@segmentation/runtime';
import { runImport, type ImportSettings } from './importer.ts';
import { MemoryImportLedger } from './ledger.ts';
import type { ImportEnv, ImportOptions } from './options.ts';
import { preflight, type Preflight } from './preflight.ts';
import { createProgress, silentProgress, type ProgressOutput } from './progress.ts';
import { createRejectionReport, type ImportSummary } from './report.ts';

/**
 * The whole command once its options are parsed: samples the files (pre-flight, refusing the run
 * when a required field has no column), then either validates and reports (a dry run) or
 * imports into Kafka. `onPreflight` sees the pre-flight report before anything is written.
 */
export async function importHistory(
  env: ImportEnv,
  options: ImportOptions,
  logger: Logger,
  progressOut: ProgressOutput,
  onPreflight: (report: Preflight) => void = () => undefined,
): Promise<ImportSummary> {
  const settings: ImportSettings = {
    files: options.files,
    mapping: options.mapping,
    timeZone: options.timeZone ?? env.BUSINESS_TIME_ZONE,
    encoding: options.encoding,
    batchSize: options.batchSize,
    currencies: parseRates(env.BASE_CURRENCY, env.CURRENCY_RATES),
    maxFutureSkewMs: env.MAX_FUTURE_SKEW_SECONDS * 1000,
    reportFile: options.reportFile,
    tempDir: env.IMPORT_TEMP_DIR,
    sortRunRows: env.IMPORT_SORT_RUN_ROWS,
  };
  const checked = await preflight(settings);
  onPreflight(checked);
  const progress = options.quiet
    ? silentProgress
    : (label: string, total: number, unit?: string) => createProgress(label, total, progressOut, unit);
  const report = await createRejectionReport(options.reportFile);
  if (options.dryRun)
    return {
      ...(await runImport(settings, { log: null, ledger: new MemoryImportLedger(), report, now: Date.now, progress })),
      preflight: checked,
    };
  // Loaded only for a real run: a dry run checks exports on any machine, without the Kafka client.
  const { importIntoKafka } = await import('./kafka-import.ts');
  return { ...(await importIntoKafka(env, settings, { report, progress, preflight: checked }, logger)), preflight: checked };
}
