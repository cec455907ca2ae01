// The import command: `pnpm import-history --orders orders.csv --shipments shipments.jsonl`.
// Exit codes: 0 every row imported (or imported before), 3 finished but some rows were rejected
// (see the report), 2 bad options, settings or input files (nothing written), 1 a service did
// not answer or the import stopped part-way (re-run it: the ledger skips what was written).
import { createLogger, runCommand } from '@segmentation/runtime';
import { importHistory } from './command.ts';
import { ImportFailedError } from './importer.ts';
import { loadEnv, parseOptions, usage } from './options.ts';
import { formatPreflight, PreflightRefusedError } from './preflight.ts';
import { formatSummary } from './report.ts';

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
  try {
    const summary = await importHistory(env, options, logger, process.stderr, (report) => {
      if (!options.json) showPreflight(formatPreflight(report));
    });
    console.log(options.json ? JSON.stringify(summary) : formatSummary(summary));
    if (summary.rejected > 0) process.exitCode = 3;
  } catch (err) {
    if (err instanceof PreflightRefusedError) {
      if (options.json) console.log(JSON.stringify({ refused: err.message, preflight: err.preflight }));
      else showPreflight(formatPreflight(err.preflight));
    }
    // What was written before the failure, so the operator knows where the re-run resumes.
    if (err instanceof ImportFailedError) console.log(options.json ? JSON.stringify(err.summary) : formatSummary(err.summary));
    throw err;
  }
});
