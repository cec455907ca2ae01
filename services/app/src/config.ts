import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { currencyTableSchema, parseRates, type CurrencyTable, DEFAULT_CURRENCY_RATES } from '@segmentation/contracts';
import { intSetting, listSetting, parseConfig } from '@segmentation/runtime';
import type { Rules } from '@segmentation/segmentation';

const ROLES = ['ingest', 'segmenter', 'sink'] as const;
export type Role = (typeof ROLES)[number];

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const money = z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative number').transform(Number);

/** Every setting of the pipeline process, read from the environment (see README, "Configuration"). */
export const configSchema = z.object({
  /** Which roles this process runs: `all` (the single-machine start) or a comma list. */
  ROLES: z.string().default('all').transform((v, ctx) => {
    const roles = v === 'all' ? [...ROLES] : v.split(',').map((r) => r.trim());
    for (const r of roles) if (!(ROLES as readonly string[]).includes(r)) ctx.addIssue({ code: 'custom', message: `unknown role "${r}"; use all or a comma list of ${ROLES.join(', ')}` });
    return roles as Role[];
  }),
  KAFKA_BROKERS: listSetting.default(['127.0.0.1:9092']),
  SCHEMA_REGISTRY_URL: z.url().default('http://127.0.0.1:8081/apis/ccompat/v7'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').default('redis://127.0.0.1:6379'),
  /** A ClickHouse server (http://host:8123); when unset, the embedded engine stores data in CLICKHOUSE_PATH. */
  CLICKHOUSE_URL: z.url().optional(),
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('segmentation'),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  CLICKHOUSE_PATH: z.string().default(join(repoRoot, '.local', 'clickhouse')),
  /** Prepended to every topic name: separates deployments sharing a cluster. */
  TOPIC_PREFIX: z.string().default(''),
  /** Prepended to every consumer group id. */
  GROUP_PREFIX: z.string().default('segmentation'),
  /** Prepended to every Redis key (before the {customerId} hash tag). */
  REDIS_KEY_PREFIX: z.string().default('seg:'),
  BASE_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as CNY').default('CNY'),
  /** Units of the base currency per unit of each currency: `USD=7.1,EUR=7.7`. */
  CURRENCY_RATES: z.string().default(DEFAULT_CURRENCY_RATES),
  /** Seconds an event time may be ahead of the wall clock before ingest dead-letters it (clock skew between systems). */
  MAX_FUTURE_SKEW_SECONDS: intSetting(0).default(300),
  /** Bytes (key + value) above which ingest dead-letters a message as oversized; well under Kafka's 1 MiB default. */
  MAX_MESSAGE_BYTES: intSetting(1024, 16 * 1024 * 1024).default(256 * 1024),
  /** Seconds a customer-events partition may go without a record before ingest writes a tick into it; 0 = never (replays, tests). */
  TICK_INTERVAL_SECONDS: intSetting(0).default(60),
  /** Value tier thresholds on lifetime value, in the base currency; exit below enter gives hysteresis. */
  VALUE_TIER_HIGH_ENTER: money.default(100_000),
  VALUE_TIER_HIGH_EXIT: money.default(80_000),
  VALUE_TIER_MEDIUM_ENTER: money.default(20_000),
  VALUE_TIER_MEDIUM_EXIT: money.default(15_000),
  /** Milliseconds the group waits for a silent consumer before moving its partitions (kafkajs has no static membership). */
  KAFKA_SESSION_TIMEOUT_MS: intSetting(3000).default(10_000),
  OPS_HOST: z.string().default('127.0.0.1'),
  /** /healthz, /readyz and /metrics; 0 picks a free port. */
  OPS_PORT: intSetting(0, 65535).default(9464),
  LOG_LEVEL: z.enum(['info', 'warn', 'error', 'silent']).default('info'),
}).superRefine((c, ctx) => {
  if (c.VALUE_TIER_HIGH_EXIT > c.VALUE_TIER_HIGH_ENTER) ctx.addIssue({ code: 'custom', path: ['VALUE_TIER_HIGH_EXIT'], message: 'must not exceed VALUE_TIER_HIGH_ENTER' });
  if (c.VALUE_TIER_MEDIUM_EXIT > c.VALUE_TIER_MEDIUM_ENTER) ctx.addIssue({ code: 'custom', path: ['VALUE_TIER_MEDIUM_EXIT'], message: 'must not exceed VALUE_TIER_MEDIUM_ENTER' });
  if (c.VALUE_TIER_MEDIUM_ENTER > c.VALUE_TIER_HIGH_EXIT) ctx.addIssue({ code: 'custom', path: ['VALUE_TIER_MEDIUM_ENTER'], message: 'must not exceed VALUE_TIER_HIGH_EXIT' });
  const rates = safeRates(c.BASE_CURRENCY, c.CURRENCY_RATES);
  if (!rates.success) ctx.addIssue({ code: 'custom', path: ['CURRENCY_RATES'], message: `must look like USD=7.1,EUR=7.7 (ISO codes, positive rates in ${c.BASE_CURRENCY}; ${c.BASE_CURRENCY} itself, if listed, at 1)` });
});

export type Config = z.output<typeof configSchema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseConfig(configSchema, env);
}

function safeRates(base: string, spec: string) {
  try {
    return { success: true as const, table: parseRates(base, spec) };
  } catch {
    return { success: false as const };
  }
}

export function currencyTable(c: Config): CurrencyTable {
  return currencyTableSchema.parse(parseRates(c.BASE_CURRENCY, c.CURRENCY_RATES));
}

/** The rules in force, versioned by a hash of their content. */
export function rulesFrom(c: Config): Rules {
  const valueTier = {
    highEnter: c.VALUE_TIER_HIGH_ENTER,
    highExit: c.VALUE_TIER_HIGH_EXIT,
    mediumEnter: c.VALUE_TIER_MEDIUM_ENTER,
    mediumExit: c.VALUE_TIER_MEDIUM_EXIT,
  };
  const version = createHash('sha256').update(JSON.stringify({ valueTier, baseCurrency: c.BASE_CURRENCY })).digest('hex').slice(0, 12);
  return { version, valueTier };
}
