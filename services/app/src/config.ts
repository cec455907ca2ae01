import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import {
  checkCurrencySettings,
  checkKafkaSecurity,
  currencyTableSchema,
  parseRates,
  sharedSettings,
  type CurrencyTable,
} from '@segmentation/contracts';
import { ConfigError, intSetting, listSetting, parseConfig } from '@segmentation/runtime';
import { BI_ROLE, loadConsoleUsers, type ConsoleAccess, type ConsoleUserEntry } from '@segmentation/console';
import type { BiLimits } from '@segmentation/clickhouse';
import { compileRules, RulesError, type CompiledRules } from '@segmentation/segmentation';
import { connectRedis } from '@segmentation/state';

const ROLES = ['ingest', 'segmenter', 'sink', 'console', 'notifier'] as const;
export type Role = (typeof ROLES)[number];

const repoRoot = join(import.meta.dirname, '..', '..', '..');
/** Every setting of the pipeline process, read from the environment (see README, "Configuration"). */
export const configSchema = z
  .object({
    ...sharedSettings,
    /** Which roles this process runs: `all` (the single-machine start) or a comma list. */
    ROLES: z
      .string()
      .default('all')
      .transform((v, ctx) => {
        const roles = v === 'all' ? [...ROLES] : v.split(',').map((r) => r.trim());
        for (const r of roles)
          if (!(ROLES as readonly string[]).includes(r))
            ctx.addIssue({ code: 'custom', message: `unknown role "${r}"; use all or a comma list of ${ROLES.join(', ')}` });
        return roles as Role[];
      }),
    /** One server (redis://, rediss://) or a Redis Cluster by some of its nodes (redis+cluster://host:port,host:port; rediss+cluster:// over TLS). */
    REDIS_URL: z
      .string()
      .regex(/^(rediss?|rediss?\+cluster):\/\//, 'must start with redis://, rediss://, redis+cluster:// or rediss+cluster://')
      .default('redis://127.0.0.1:6379'),
    /** IANA time zone in which business days (and so the 7/30/90/365-day windows) begin. */
    BUSINESS_TIME_ZONE: z
      .string()
      .default('Asia/Shanghai')
      .refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai or Europe/Berlin'),
    /** A ClickHouse server (http://host:8123); when unset, the embedded engine stores data in CLICKHOUSE_PATH. */
    CLICKHOUSE_URL: z.url().optional(),
    CLICKHOUSE_DATABASE: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .default('segmentation'),
    CLICKHOUSE_USER: z.string().optional(),
    CLICKHOUSE_PASSWORD: z.string().optional(),
    CLICKHOUSE_PATH: z.string().default(join(repoRoot, '.local', 'clickhouse')),
    /** Prepended to every consumer group id. */
    GROUP_PREFIX: z.string().default('segmentation'),
    /** Prepended to every Redis key (before the {customerId} hash tag). */
    REDIS_KEY_PREFIX: z.string().default('seg:'),
    /** Bytes (key + value) above which ingest dead-letters a message as oversized; well under Kafka's 1 MiB default. */
    MAX_MESSAGE_BYTES: intSetting(1024, 16 * 1024 * 1024).default(256 * 1024),
    /** Seconds a customer-events partition may go without a record before ingest writes a tick into it; 0 = never (replays, tests). */
    TICK_INTERVAL_SECONDS: intSetting(0).default(60),
    /** The segmentation and churn rules (YAML, see config/rules.yaml); thresholds are in BASE_CURRENCY. */
    RULES_FILE: z.string().default(join(repoRoot, 'config', 'rules.yaml')),
    /** The topics ingest reads and their formats (JSON, see docs/sources.md and infra/sources.example.json); unset: the four contract topics in Avro. */
    SOURCES_FILE: z.string().optional(),
    /** The sink inserts into ClickHouse once this many rows wait... */
    SINK_FLUSH_ROWS: intSetting(1, 1_000_000).default(20_000),
    /** ...or this many milliseconds after the first one arrived, whichever comes first. */
    SINK_FLUSH_INTERVAL_MS: intSetting(10, 60_000).default(1000),
    /** Milliseconds the group waits for a silent consumer before moving its partitions (kafkajs has no static membership). */
    KAFKA_SESSION_TIMEOUT_MS: intSetting(6000).default(10_000), // the broker refuses less (group.min.session.timeout.ms)
    /**
     * Bytes of one customer-events partition the segmenter fetches and applies as one batch at most.
     * It works on every partition at once, so a batch of each is decoded in memory together: 128 KiB
     * is about a thousand records, one apply slice (partition-log.ts); 1 MiB held eight times the
     * records and raised the process's peak RSS by about 150 MiB (bench:e2e, 5,000 customers).
     */
    SEGMENTER_BATCH_BYTES: intSetting(16 * 1024, 64 * 1024 * 1024).default(128 * 1024),
    /** Failures of a batch, not a dependency's, before ingest isolates the message that keeps failing and dead-letters it (processing_failed). */
    PROCESSING_ATTEMPTS: intSetting(1, 100).default(3),
    /** Test-only (the crash test): `state_written:<n>` or `produced:<n>` kills the process the n-th time the segmenter reaches that point. */
    SEGMENTER_FAULT: z
      .string()
      .regex(/^(state_written|produced):[1-9]\d*$/, 'state_written:<n> or produced:<n> (test-only)')
      .optional(),
    /** Where the notifier delivers churn alerts and selected segment changes (see services/notifier/README.md). */
    NOTIFIER_FILE: z.string().default(join(repoRoot, 'config', 'notifier.yaml')),
    /** Where the console (API, live stream, web page) listens; 0 picks a free port. */
    CONSOLE_HOST: z.string().default('127.0.0.1'),
    CONSOLE_PORT: intSetting(0, 65535).default(8080),
    /**
     * The console's people, each with a role and a personal token (docs/console.md): a YAML or JSON
     * file of hashed entries (pnpm console-user add), and/or the same document in CONSOLE_USERS.
     * With either, the shared token below is not accepted.
     */
    CONSOLE_USERS_FILE: z.string().optional(),
    CONSOLE_USERS: z.string().optional(),
    /** The console's shared bearer token (one admin) when no users are configured; when unset, one is made once and kept in CONSOLE_TOKEN_FILE. */
    CONSOLE_TOKEN: z.string().min(16, 'must be at least 16 characters (try: openssl rand -hex 24)').optional(),
    CONSOLE_TOKEN_FILE: z.string().default(join(repoRoot, '.local', 'console-token')),
    /** Other sites allowed to call the console's API from a browser (comma list of origins); empty = CORS off. */
    CONSOLE_CORS_ORIGINS: listSetting.default([]),
    /** Live streams the console serves at once; more are refused (503) rather than exhausting sockets. */
    CONSOLE_MAX_STREAMS: intSetting(1, 10_000).default(100),
    /**
     * The read-only ClickHouse-compatible HTTP endpoint for BI tools (docs/bi.md, "Connecting BI
     * tools"), served by the process that owns the embedded engine; unset = off. Its users are the
     * users of role bi in CONSOLE_USERS_FILE / CONSOLE_USERS. 0 picks a free port.
     */
    BI_PORT: intSetting(0, 65535).optional(),
    /** Loopback by default: open it to a network only on purpose (it has no TLS; put a TLS proxy in front). */
    BI_HOST: z.string().default('127.0.0.1'),
    /** Seconds a BI query may run before the engine stops it: long enough for the docs/bi.md queries on years of history. */
    BI_MAX_EXECUTION_SECONDS: intSetting(1, 3600).default(60),
    /** Rows a BI answer may have: a dashboard needs far fewer; a million rows still fits a spreadsheet export. */
    BI_MAX_RESULT_ROWS: intSetting(1, 1_000_000_000).default(1_000_000),
    /** Bytes a BI answer may have (in the engine and as sent): the engine holds an answer whole in this process's memory before it goes out. */
    BI_MAX_RESULT_BYTES: intSetting(1024, 4 * 1024 ** 3).default(128 * 1024 ** 2),
    /** BI queries run at once; more are refused. Each takes a thread of libuv's pool of 4, which the pipeline's own ClickHouse queries and scrypt share. */
    BI_MAX_CONCURRENT_QUERIES: intSetting(1, 16).default(2),
    OPS_HOST: z.string().default('127.0.0.1'),
    /** /healthz, /readyz and /metrics; 0 picks a free port. */
    OPS_PORT: intSetting(0, 65535).default(9464),
    LOG_LEVEL: z.enum(['info', 'warn', 'error', 'silent']).default('info'),
  })
  .superRefine((c, ctx) => {
    checkCurrencySettings(c, ctx);
    checkKafkaSecurity(c, ctx);
    // Refused rather than ignored: someone still handing out the shared token must learn it stopped working.
    if (c.BI_PORT !== undefined) {
      // A server already speaks this protocol, with its own users and grants: BI tools connect to it directly.
      if (c.CLICKHOUSE_URL !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['BI_PORT'],
          message:
            'the BI endpoint serves the embedded engine only; with CLICKHOUSE_URL, point BI tools at that server (docs/bi.md, "Connecting BI tools") and unset BI_PORT',
        });
      else if (!c.ROLES.includes('sink') && !c.ROLES.includes('console'))
        ctx.addIssue({
          code: 'custom',
          path: ['BI_PORT'],
          message: 'the BI endpoint is served by the process that opens the embedded engine: its ROLES must include sink or console',
        });
      else if (c.CONSOLE_USERS_FILE === undefined && c.CONSOLE_USERS === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['BI_PORT'],
          message:
            'the BI endpoint needs a user of role bi in CONSOLE_USERS_FILE or CONSOLE_USERS: add one with pnpm console-user add NAME --role bi --file FILE',
        });
    }
    if (c.CONSOLE_TOKEN !== undefined && (c.CONSOLE_USERS_FILE !== undefined || c.CONSOLE_USERS !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['CONSOLE_TOKEN'],
        message:
          'the shared token is not accepted once console users are configured (CONSOLE_USERS_FILE or CONSOLE_USERS): unset it, and give its holders their own tokens (pnpm console-user add NAME --role admin)',
      });
    }
  });

export type Config = z.output<typeof configSchema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The console's bearer token: CONSOLE_TOKEN, or else the one kept in CONSOLE_TOKEN_FILE, made
 * (random, readable by this user only) on the first start. Never logged.
 */
export function consoleToken(c: Pick<Config, 'CONSOLE_TOKEN' | 'CONSOLE_TOKEN_FILE'>): string {
  if (c.CONSOLE_TOKEN !== undefined) return c.CONSOLE_TOKEN;
  if (!existsSync(c.CONSOLE_TOKEN_FILE)) {
    mkdirSync(dirname(c.CONSOLE_TOKEN_FILE), { recursive: true });
    writeFileSync(c.CONSOLE_TOKEN_FILE, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const token = readFileSync(c.CONSOLE_TOKEN_FILE, 'utf8').trim();
  if (token.length < 16)
    throw new ConfigError(
      `invalid configuration:\n  CONSOLE_TOKEN_FILE: ${c.CONSOLE_TOKEN_FILE} holds fewer than 16 characters; delete it to have a new token made, or set CONSOLE_TOKEN`,
    );
  return token;
}

/**
 * Who may use the console: the users of CONSOLE_USERS_FILE and CONSOLE_USERS, validated in full
 * (errors name the file and the entry); without either, the shared token as one admin user.
 */
export function consoleAccess(
  c: Pick<Config, 'CONSOLE_USERS_FILE' | 'CONSOLE_USERS' | 'CONSOLE_TOKEN' | 'CONSOLE_TOKEN_FILE'>,
): ConsoleAccess {
  if (c.CONSOLE_USERS_FILE === undefined && c.CONSOLE_USERS === undefined) return { kind: 'shared-token', token: consoleToken(c) };
  return { kind: 'users', users: loadConsoleUsers({ file: c.CONSOLE_USERS_FILE, inline: c.CONSOLE_USERS }) };
}

/**
 * The BI endpoint's settings, when BI_PORT is set: its limits and its users (those of role bi in the
 * users file, validated in full); refused, naming BI_PORT, when the file has no user of role bi.
 */
export function biEndpointSettings(
  c: Config,
): { host: string; port: number; limits: BiLimits; maxConcurrentQueries: number; users: ConsoleUserEntry[] } | undefined {
  if (c.BI_PORT === undefined) return undefined;
  const users = loadConsoleUsers({ file: c.CONSOLE_USERS_FILE, inline: c.CONSOLE_USERS }).filter((u) => u.role === BI_ROLE);
  if (users.length === 0) {
    const where = [c.CONSOLE_USERS_FILE, c.CONSOLE_USERS !== undefined ? 'CONSOLE_USERS' : undefined].filter(Boolean).join(' and ');
    throw new ConfigError(
      `invalid configuration:\n  BI_PORT: the BI endpoint needs a user of role bi, and ${where} has none: add one with pnpm console-user add NAME --role bi${c.CONSOLE_USERS_FILE ? '' : ' --file FILE'}`,
    );
  }
  return {
    host: c.BI_HOST,
    port: c.BI_PORT,
    limits: { maxExecutionSeconds: c.BI_MAX_EXECUTION_SECONDS, maxResultRows: c.BI_MAX_RESULT_ROWS, maxResultBytes: c.BI_MAX_RESULT_BYTES },
    maxConcurrentQueries: c.BI_MAX_CONCURRENT_QUERIES,
    users,
  };
}

/** The segmenter's consumer group: its committed offsets carry each partition's clock and rules version. */
export const segmenterGroupId = (c: Pick<Config, 'GROUP_PREFIX'>): string => `${c.GROUP_PREFIX}-segmenter`;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseConfig(configSchema, env);
}

/** Redis as the settings say: REDIS_URL (an ACL user, rediss:// for TLS) and REDIS_TLS_CA_FILE. */
export const connectConfiguredRedis = (c: Pick<Config, 'REDIS_URL' | 'REDIS_TLS_CA_FILE'>) =>
  connectRedis(c.REDIS_URL, { tlsCaFile: c.REDIS_TLS_CA_FILE });

export function currencyTable(c: Config): CurrencyTable {
  return currencyTableSchema.parse(parseRates(c.BASE_CURRENCY, c.CURRENCY_RATES));
}

/**
 * The rules of RULES_FILE, read and validated in full; a missing file or any problem in it stops
 * start-up with a ConfigError naming RULES_FILE, the line and the field.
 */
export const loadRules = (c: Config): CompiledRules => loadRulesFile(c.RULES_FILE, c.BASE_CURRENCY, 'RULES_FILE');

/** A rules file validated in full, its thresholds in the base currency; errors name `setting`. */
export function loadRulesFile(path: string, baseCurrency: string, setting: string): CompiledRules {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`invalid configuration:\n  ${setting}: cannot read ${path} (${(err as Error).message})`);
  }
  let rules: CompiledRules;
  try {
    rules = compileRules(text, path);
  } catch (err) {
    if (err instanceof RulesError) throw new ConfigError(`invalid configuration:\n  ${setting}: ${err.message}`);
    throw err;
  }
  if (rules.file.currency !== baseCurrency) {
    throw new ConfigError(
      `invalid configuration:\n  ${setting}: ${path} has its thresholds in ${rules.file.currency}, but BASE_CURRENCY is ${baseCurrency}: convert the thresholds and set currency: ${baseCurrency} in it`,
    );
  }
  return rules;
}
