// The simulator's options: command-line flags for the simulation, and the pipeline's own
// environment variables for where Kafka and the registry are, so both point at the same cluster.
import { join } from 'node:path';
import { z } from 'zod';
import { currencyTableSchema, parseRates, sharedSettings, type CurrencyTable } from '@segmentation/contracts';
import { kafkaSecurity, type KafkaSecurity } from '@segmentation/kafka';
import { ConfigError, intSetting } from '@segmentation/runtime';
import { businessDate, businessMidnight, DAY_MS } from './calendar.ts';

const repoRoot = join(import.meta.dirname, '..', '..', '..');

const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2025-01-01')
  .refine(
    (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    'is not a calendar date',
  );

/** Flags, by the name they have on the command line. */
export const optionsSchema = z.object({
  seed: intSetting(0, 0xffff_ffff).default(1),
  /** About 9 KB of heap per customer: past ~400,000 raise Node's heap (NODE_OPTIONS=--max-old-space-size=8192). */
  customers: intSetting(1, 1_000_000).default(1000),
  /** Simulated span in days. */
  days: intSetting(1, 3650).default(365),
  /** First simulated day (midnight Asia/Shanghai); by default a fast run ends today, a live run starts today. */
  start: date.optional(),
  mode: z.enum(['fast', 'live']).default('fast'),
  /** Live mode: events per second published to the source topics. */
  rate: intSetting(1, 1_000_000).default(100),
  /** Records per produce request: large batches amortise the round trip to the broker. */
  'batch-size': intSetting(1, 10_000).default(5000),
  /** Live mode: publish from this simulated day on (the days before it are simulated, not sent): continues customers whose history a fast run with the same seed, customers and start already wrote. */
  'from-day': intSetting(0, 3649).default(0),
  /** Live mode: a file that keeps the last simulated day published, so the next run continues after it instead of sending the same events again. */
  'resume-file': z.string().optional(),
  /** Fast mode: write nothing when customer-events already holds records (a demo that loads its history once). */
  'if-empty': z.boolean().default(false),
  /** Stop after this many events (the ground truth then covers the days lived so far). */
  limit: intSetting(1).optional(),
  /** Overrides TOPIC_PREFIX. */
  'topic-prefix': z.string().optional(),
  'ground-truth': z.string().optional(),
  /** Print the summary as one JSON object (for scripts and tests). */
  json: z.boolean().default(false),
});

/** The pipeline's settings the simulator shares (same names and defaults as services/app's config). */
export const envSchema = z.object({
  ...sharedSettings,
  LOG_LEVEL: z.enum(['info', 'warn', 'error', 'silent']).default('warn'),
});

export interface SimulatorOptions {
  seed: number;
  customers: number;
  days: number;
  start: string;
  mode: 'fast' | 'live';
  rate: number;
  batchSize: number;
  limit: number | undefined;
  fromDay: number;
  resumeFile: string | undefined;
  ifEmpty: boolean;
  topicPrefix: string;
  groundTruthPath: string;
  json: boolean;
  kafkaBrokers: string[];
  kafkaSecurity: KafkaSecurity;
  schemaRegistryUrl: string;
  currencies: CurrencyTable;
  maxFutureSkewMs: number;
  logLevel: 'info' | 'warn' | 'error' | 'silent';
}

function fail(kind: 'option' | 'setting', issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): never {
  const name = (path: PropertyKey[]) => (kind === 'option' ? `--${String(path[0] ?? '?')}` : String(path[0] ?? '(settings)'));
  throw new ConfigError(`invalid ${kind}:\n  ${issues.map((i) => `${name(i.path)}: ${i.message}`).join('\n  ')}`);
}

/**
 * Validates flags (strings as parsed from the command line; empty counts as unset) and environment.
 * Throws ConfigError naming each bad option. `now` decides the default start and what is "future".
 */
export function parseOptions(
  flags: Record<string, string | boolean | undefined>,
  env: Record<string, string | undefined>,
  now = Date.now(),
): SimulatorOptions {
  const clean = <T>(o: Record<string, T | undefined>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = optionsSchema.safeParse(clean(flags));
  if (!parsed.success) fail('option', parsed.error.issues);
  const settings = envSchema.safeParse(clean(env));
  if (!settings.success) fail('setting', settings.error.issues);
  const o = parsed.data;
  const s = settings.data;

  const today = businessMidnight(businessDate(now));
  // By default a history run ends today and a live run starts today.
  const start = o.start ?? businessDate(o.mode === 'fast' ? today - o.days * DAY_MS : today);
  // Fast mode writes history: a span reaching past today would put events in the future, which
  // the pipeline rightly refuses. Live mode stamps events with the wall clock instead.
  if (o.mode === 'fast' && businessMidnight(start) + o.days * DAY_MS > today + DAY_MS) {
    fail('option', [
      { path: ['start'], message: `${start} plus ${o.days} days reaches past today (${businessDate(now)}); fast mode writes history only` },
    ]);
  }
  if (o['from-day'] > 0 && (o.mode !== 'live' || o['from-day'] >= o.days))
    fail('option', [{ path: ['from-day'], message: `is for live mode and must be below --days (${o.days})` }]);
  if (o['if-empty'] && o.mode !== 'fast') fail('option', [{ path: ['if-empty'], message: 'is for fast mode' }]);
  if (o['resume-file'] !== undefined && o.mode !== 'live') fail('option', [{ path: ['resume-file'], message: 'is for live mode' }]);
  let currencies: CurrencyTable;
  try {
    currencies = currencyTableSchema.parse(parseRates(s.BASE_CURRENCY, s.CURRENCY_RATES));
  } catch {
    fail('setting', [{ path: ['CURRENCY_RATES'], message: 'must look like USD=7.1,EUR=7.7 (ISO codes, positive rates)' }]);
  }
  const topicPrefix = o['topic-prefix'] ?? s.TOPIC_PREFIX;
  return {
    seed: o.seed,
    customers: o.customers,
    days: o.days,
    start,
    mode: o.mode,
    rate: o.rate,
    batchSize: o['batch-size'],
    limit: o.limit,
    fromDay: o['from-day'],
    resumeFile: o['resume-file'],
    ifEmpty: o['if-empty'],
    topicPrefix,
    groundTruthPath:
      o['ground-truth'] ??
      join(repoRoot, '.local', 'simulator', `${topicPrefix}ground-truth-seed${o.seed}-${o.customers}x${o.days}-${start}.jsonl`),
    json: o.json,
    kafkaBrokers: s.KAFKA_BROKERS,
    kafkaSecurity: kafkaSecurity(s),
    schemaRegistryUrl: s.SCHEMA_REGISTRY_URL,
    currencies,
    maxFutureSkewMs: s.MAX_FUTURE_SKEW_SECONDS * 1000,
    logLevel: s.LOG_LEVEL,
  };
}
