// One import as the benchmark measures it: `importHistory` (the command without the value-tier
// calibration an operator's run does after it), with the same options as `pnpm import-history`.
// Prints one JSON document: the summary, the seconds it took and this process's peak RSS.
import { createLogger, runCommand } from '@segmentation/runtime';
import { importHistory } from '../command.ts';
import { loadEnv, parseOptions } from '../options.ts';

await runCommand('bench:import', async () => {
  const env = loadEnv();
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') throw new Error('the benchmark passes the options itself');
  const logger = createLogger({ service: 'importer' }, env.LOG_LEVEL, (line) => process.stderr.write(line + '\n'));
  const started = performance.now();
  const summary = await importHistory(env, options, logger, process.stderr);
  const { preflight: _, ...rest } = summary;
  console.log(
    JSON.stringify({ summary: rest, seconds: (performance.now() - started) / 1000, peakRssMiB: process.resourceUsage().maxRSS / 1024 }),
  );
});
