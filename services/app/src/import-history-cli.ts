// The import command: `pnpm import-history --orders orders.csv --shipments shipments.jsonl`.
// Exit codes: 0 every row imported (or imported before), 3 finished but some rows were rejected
// (see the report), 2 bad options, settings or input files (nothing written), 1 a service did
// not answer or the import stopped part-way (re-run it: the ledger skips what was written).
// After a real run that wrote events, the value tiers are calibrated on the imported population
// (population-calibration.ts; off with `population.auto: false` in the rules in force): its
// outcome is reported beside the import's and never changes the exit code.
import { createLogger, runCommand } from '@segmentation/runtime';
import {
  formatPreflight,
  formatSummary,
  ImportFailedError,
  importHistory,
  loadEnv,
  parseOptions,
  PreflightRefusedError,
  usage,
  type ImportSummary,
} from '@segmentation/importer';
import type { CalibrationOutcome } from './population-calibration.ts';

await runCommand('import-history', async () => {
  const env = loadEnv();
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') {
    console.log(usage);
    return;
  }
  // stdout carries the summary only (with --json, one JSON document); logs, the progress bar and
  // a real run's pre-flight table go to stderr.
  const logger = createLogger({ service: 'importer' }, env.LOG_LEVEL, (line) => process.stderr.write(line + '\n'));
  let shown = false;
  const showPreflight = (text: string) => {
    if (shown) return;
    shown = true;
    if (options.dryRun) console.log(text + '\n');
    else if (!options.quiet) process.stderr.write(text + '\n\n');
  };
  let summary: ImportSummary;
  try {
    summary = await importHistory(env, options, logger, process.stderr, (report) => {
      if (!options.json) showPreflight(formatPreflight(report));
    });
  } catch (err) {
    if (err instanceof PreflightRefusedError) {
      if (options.json) console.log(JSON.stringify({ refused: err.message, preflight: err.preflight }));
      else showPreflight(formatPreflight(err.preflight));
    }
    // What was written before the failure, so the operator knows where the re-run resumes.
    if (err instanceof ImportFailedError) console.log(options.json ? JSON.stringify(err.summary) : formatSummary(err.summary));
    throw err;
  }
  if (summary.rejected > 0) process.exitCode = 3;
  // The import's own result first: whatever the calibration does, it is on the screen.
  if (!options.json) console.log(formatSummary(summary));
  const calibration = summary.dryRun || summary.imported === 0 ? undefined : await calibrateAfterImport(summary, logger, options.quiet);
  if (options.json) console.log(JSON.stringify(calibration === undefined ? summary : { ...summary, calibration }));
  else if (calibration !== undefined) console.log(`value tiers: ${calibration.message}`);
});

async function calibrateAfterImport(
  summary: ImportSummary,
  logger: ReturnType<typeof createLogger>,
  quiet: boolean,
): Promise<CalibrationOutcome> {
  // Loaded only after a real run, as the importer loads its Kafka client: a dry run checks exports without either.
  const { calibrateValueTiers, CALIBRATE_LATER, logEnds } = await import('./population-calibration.ts');
  const { loadConfig } = await import('./config.ts');
  try {
    const config = loadConfig();
    const ends = await logEnds(config, logger);
    return await calibrateValueTiers(config, logger, {
      trigger: `an import of ${summary.imported} events`,
      ends,
      progress: (line) => {
        if (!quiet) process.stderr.write(line + '\n');
      },
    });
  } catch (err) {
    // Settings the pipeline needs but the import did not (REDIS_URL…) or a broker gone after the import.
    return { outcome: 'failed', message: `not calibrated: ${(err as Error).message}; once that is fixed, run \`${CALIBRATE_LATER}\`` };
  }
}
