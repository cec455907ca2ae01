// The simulator's command line: `pnpm simulate --customers 100000 --days 365` (see --help).
import { parseArgs } from 'node:util';
import { ConfigError, createLogger, runCommand } from '@segmentation/runtime';
import { parseOptions } from './options.ts';
import { createProgressBar } from './progress.ts';
import { runSimulation } from './run.ts';
import { formatSummary, jsonSummary } from './summary.ts';

const usage = `Usage: pnpm simulate [options]

Simulates logistics customers and writes their events to Kafka, with a ground-truth file.

  --seed N            random seed; the same seed and options give the same events (default 1)
  --customers N       population size (default 1000)
  --days N            simulated span in days (default 365)
  --start YYYY-MM-DD  first simulated day, Asia/Shanghai (default: fast ends today, live starts today)
  --mode fast|live    fast: history straight into customer-events, in event-time order;
                      live: source topics at --rate, event time = wall clock (default fast)
  --rate N            live mode: events per second (default 100)
  --batch-size N      records per produce request (default 5000)
  --from-day N        live mode: publish from simulated day N on (continues the customers of a
                      fast run with the same --seed, --customers and --start)
  --resume-file F     live mode: keep the last simulated day published in F and, when F exists,
                      continue after it (a restart sends no event twice)
  --if-empty          fast mode: write nothing when customer-events already holds records
  --limit N           stop after N events
  --topic-prefix P    prefix of every topic (default: TOPIC_PREFIX)
  --ground-truth F    ground-truth JSON Lines file (default under .local/simulator/)
  --json              print the summary as JSON
  --help

Kafka and the registry come from KAFKA_BROKERS and SCHEMA_REGISTRY_URL, like the pipeline;
currencies from BASE_CURRENCY and CURRENCY_RATES.`;

await runCommand('simulator', async () => {
  let flags;
  try {
    flags = parseArgs({
      strict: true,
      allowPositionals: false,
      options: {
        seed: { type: 'string' },
        customers: { type: 'string' },
        days: { type: 'string' },
        start: { type: 'string' },
        mode: { type: 'string' },
        rate: { type: 'string' },
        'batch-size': { type: 'string' },
        limit: { type: 'string' },
        'topic-prefix': { type: 'string' },
        'ground-truth': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
        'from-day': { type: 'string' },
        'resume-file': { type: 'string' },
        'if-empty': { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${usage}`);
  }
  const { help, ...simulationFlags } = flags;
  if (help) {
    console.log(usage);
    return;
  }
  const options = parseOptions(simulationFlags, process.env);

  // Logs are JSON lines on stderr, so that stdout carries only the summary.
  const logger = createLogger({ service: 'simulator' }, options.logLevel, (line) => process.stderr.write(line + '\n'));
  const progress = createProgressBar(process.stderr);
  // The first Ctrl-C stops after the batch in flight and still writes the ground truth; a second one quits.
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stop.signal.aborted) process.exit(130);
      stop.abort();
      process.stderr.write('\nsimulator: stopping after the batch in flight (again to quit at once)\n');
    });
  }
  try {
    const run = await runSimulation(options, { logger, signal: stop.signal, onProgress: (p) => progress.update(p) });
    progress.done();
    console.log(options.json ? jsonSummary(run) : formatSummary(run));
    // Invalid records mean a generator bug: the run is not what was asked for.
    if (run.report.invalid > 0) process.exitCode = 1;
  } finally {
    progress.done();
  }
});
