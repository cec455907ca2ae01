import { describe, it, expect } from 'vitest';
import { ConfigError } from '@segmentation/runtime';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSecret } from '@segmentation/console';
import { biEndpointSettings, consoleAccess, consoleToken, currencyTable, loadConfig, loadRules } from './config.ts';

/** The ConfigError loadConfig throws for `env`; fails the test when it does not throw one. */
function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    loadRules(loadConfig(env));
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, but the configuration parsed');
}

/** The settings a ConfigError blames, in order. */
const blamed = (err: ConfigError): string[] => [...err.message.matchAll(/^ {2}(\w+): /gm)].map((m) => m[1] ?? '');

describe('loadConfig', () => {
  it('parses the defaults from an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      ROLES: ['ingest', 'segmenter', 'sink', 'console', 'notifier'],
      CONSOLE_PORT: 8080,
      CONSOLE_CORS_ORIGINS: [],
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      REDIS_URL: 'redis://127.0.0.1:6379',
      BUSINESS_TIME_ZONE: 'Asia/Shanghai',
      BASE_CURRENCY: 'CNY',
      MAX_FUTURE_SKEW_SECONDS: 300,
      KAFKA_SESSION_TIMEOUT_MS: 10_000,
      OPS_PORT: 9464,
      LOG_LEVEL: 'info',
    });
    expect(config.CLICKHOUSE_URL).toBeUndefined();
    expect(currencyTable(config)).toMatchObject({ baseCurrency: 'CNY', rates: { CNY: 1, USD: 7.1 } });
  });

  it('treats empty settings as unset', () => {
    expect(loadConfig({ ROLES: '', KAFKA_SESSION_TIMEOUT_MS: '', CURRENCY_RATES: ' ', RULES_FILE: '' })).toEqual(loadConfig({}));
  });

  it('reads a comma list of roles, and numbers and lists from text', () => {
    expect(
      loadConfig({
        ROLES: 'segmenter, sink',
        KAFKA_BROKERS: 'k1:9092,k2:9092',
        MAX_FUTURE_SKEW_SECONDS: '120',
        OPS_PORT: '0',
        REDIS_URL: 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000',
        BUSINESS_TIME_ZONE: 'Europe/Berlin',
      }),
    ).toMatchObject({
      ROLES: ['segmenter', 'sink'],
      REDIS_URL: 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000',
      BUSINESS_TIME_ZONE: 'Europe/Berlin',
      KAFKA_BROKERS: ['k1:9092', 'k2:9092'],
      MAX_FUTURE_SKEW_SECONDS: 120,
      OPS_PORT: 0,
    });
  });

  it.each<[string, Record<string, string>]>([
    ['ROLES', { ROLES: 'foo' }],
    ['ROLES', { ROLES: 'ingest,foo' }],
    ['KAFKA_SESSION_TIMEOUT_MS', { KAFKA_SESSION_TIMEOUT_MS: 'abc' }],
    ['KAFKA_SESSION_TIMEOUT_MS', { KAFKA_SESSION_TIMEOUT_MS: '100' }],
    ['MAX_FUTURE_SKEW_SECONDS', { MAX_FUTURE_SKEW_SECONDS: '-1' }],
    ['OPS_PORT', { OPS_PORT: '70000' }],
    ['REDIS_URL', { REDIS_URL: 'http://127.0.0.1:6379' }],
    ['BUSINESS_TIME_ZONE', { BUSINESS_TIME_ZONE: 'Shanghai' }],
    ['SCHEMA_REGISTRY_URL', { SCHEMA_REGISTRY_URL: 'not a url' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'debug' }],
    ['BASE_CURRENCY', { BASE_CURRENCY: 'yuan' }],
    ['CURRENCY_RATES', { CURRENCY_RATES: 'garbage' }],
    ['CURRENCY_RATES', { CURRENCY_RATES: 'USD=0' }],
    // Rates written for CNY (USD=7.1) do not fit a USD base currency.
    ['CURRENCY_RATES', { BASE_CURRENCY: 'USD' }],
  ])('fails with a ConfigError naming %s for %j', (setting, env) => {
    expect(blamed(configErrorOf(env))[0]).toBe(setting);
  });

  it.each<[string, Record<string, string>]>([
    ['CURRENCY_RATES', { CURRENCY_RATES: 'garbage' }],
    ['KAFKA_SESSION_TIMEOUT_MS', { KAFKA_SESSION_TIMEOUT_MS: 'abc' }],
  ])('blames %s alone for %j, not the settings around it', (setting, env) => {
    expect(blamed(configErrorOf(env))).toEqual([setting]);
  });

  it('names every bad setting at once', () => {
    expect(blamed(configErrorOf({ ROLES: 'foo', KAFKA_SESSION_TIMEOUT_MS: 'abc' })).sort()).toEqual(['KAFKA_SESSION_TIMEOUT_MS', 'ROLES']);
  });
});

describe('loadRules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rules-'));
  const repositoryRules = readFileSync(loadConfig({}).RULES_FILE, 'utf8');
  const rulesFile = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads the repository rules by default, versioned by a short content hash', () => {
    const rules = loadRules(loadConfig({}));
    expect(rules.version).toMatch(/^[0-9a-f]{12}$/);
    expect(rules.dimensions.map((d) => d.name)).toContain('lifecycle');
    expect(loadRules(loadConfig({ RULES_FILE: rulesFile('same.yaml', `# reformatted\n${repositoryRules}`) })).version).toBe(rules.version);
  });

  it('stops start-up naming RULES_FILE, the line and the field when the rules are wrong', () => {
    const path = rulesFile('bad.yaml', repositoryRules.replace('enter: orders_30d >= 12', 'enter: orders_30days >= 12'));
    const err = configErrorOf({ RULES_FILE: path });
    expect(blamed(err)).toEqual(['RULES_FILE']);
    expect(err.message).toMatch(new RegExp(`${path}:\\d+: dimensions\\.behaviour\\.segments\\.2\\.enter: unknown feature "orders_30days"`));
  });

  it('stops start-up when the rules file cannot be read', () => {
    expect(blamed(configErrorOf({ RULES_FILE: join(dir, 'missing.yaml') }))).toEqual(['RULES_FILE']);
  });

  it('refuses rules written for another base currency than BASE_CURRENCY', () => {
    const err = configErrorOf({ BASE_CURRENCY: 'USD', CURRENCY_RATES: 'CNY=0.14' });
    expect(blamed(err)).toEqual(['RULES_FILE']);
    expect(err.message).toMatch(/thresholds in CNY.*BASE_CURRENCY is USD/);
  });
});

describe('the console token', () => {
  it('refuses a CONSOLE_TOKEN too short to be secret, naming the setting', () => {
    expect(blamed(configErrorOf({ CONSOLE_TOKEN: 'short' }))).toEqual(['CONSOLE_TOKEN']);
  });

  it('is made once into CONSOLE_TOKEN_FILE, readable by its owner only, and the same on the next start', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'console-token-')), 'sub', 'console-token');
    const first = consoleToken(loadConfig({ CONSOLE_TOKEN_FILE: file }));
    expect(first).toMatch(/^[0-9a-f]{48}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(consoleToken(loadConfig({ CONSOLE_TOKEN_FILE: file }))).toBe(first);
    expect(consoleToken(loadConfig({ CONSOLE_TOKEN_FILE: file, CONSOLE_TOKEN: 'x'.repeat(20) }))).toBe('x'.repeat(20));
  });
});

describe('the console users', () => {
  it('come from CONSOLE_USERS_FILE and CONSOLE_USERS, and then make no token file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-users-'));
    const hash = await hashSecret('a-secret', { N: 2 ** 14, r: 8, p: 1 });
    const file = join(dir, 'users.yaml');
    writeFileSync(file, `users:\n  - name: li.wei\n    role: viewer\n    secret: ${hash}\n`);
    const tokenFile = join(dir, 'console-token');
    const access = consoleAccess(
      loadConfig({
        CONSOLE_USERS_FILE: file,
        CONSOLE_USERS: JSON.stringify({ users: [{ name: 'wang', role: 'admin', secret: hash }] }),
        CONSOLE_TOKEN_FILE: tokenFile,
      }),
    );
    expect(access).toEqual({
      kind: 'users',
      users: [
        { name: 'li.wei', role: 'viewer', secretHash: hash },
        { name: 'wang', role: 'admin', secretHash: hash },
      ],
    });
    expect(() => statSync(tokenFile)).toThrow(/ENOENT/);
  });

  it('leave the shared token as one admin when neither is set', () => {
    expect(consoleAccess(loadConfig({ CONSOLE_TOKEN: 'y'.repeat(20) }))).toEqual({ kind: 'shared-token', token: 'y'.repeat(20) });
  });

  it('refuse a CONSOLE_TOKEN beside them, naming it, and a bad entry, naming the file and the entry', () => {
    expect(blamed(configErrorOf({ CONSOLE_USERS_FILE: '/nonexistent/users.yaml', CONSOLE_TOKEN: 'y'.repeat(20) }))).toEqual([
      'CONSOLE_TOKEN',
    ]);
    const file = join(mkdtempSync(join(tmpdir(), 'console-users-')), 'users.yaml');
    writeFileSync(file, 'users:\n  - name: li.wei\n    role: boss\n    secret: hunter2\n');
    let message = '';
    try {
      consoleAccess(loadConfig({ CONSOLE_USERS_FILE: file }));
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toContain(`CONSOLE_USERS_FILE: ${file} has invalid console users`);
    expect(message).toMatch(/users\[0\] "li\.wei"\.role: must be one of viewer, operator, admin/);
    expect(message).toMatch(/users\[0\] "li\.wei"\.secret: must be a hash/);
    expect(message).not.toContain('hunter2');
  });
});

describe('the BI endpoint settings', () => {
  const users = async (...entries: Array<[string, string]>) => {
    const hash = await hashSecret('a-secret', { N: 2 ** 14, r: 8, p: 1 });
    const file = join(mkdtempSync(join(tmpdir(), 'bi-users-')), 'users.yaml');
    writeFileSync(file, `users:\n${entries.map(([name, role]) => `  - name: ${name}\n    role: ${role}\n    secret: ${hash}\n`).join('')}`);
    return { file, hash };
  };

  it('leave the endpoint off by default, on loopback with safe limits when BI_PORT is set', async () => {
    expect(loadConfig({}).BI_PORT).toBeUndefined();
    expect(biEndpointSettings(loadConfig({}))).toBeUndefined();
    const { file, hash } = await users(['li.wei', 'viewer'], ['metabase', 'bi']);
    expect(biEndpointSettings(loadConfig({ BI_PORT: '8124', CONSOLE_USERS_FILE: file }))).toEqual({
      host: '127.0.0.1',
      port: 8124,
      limits: { maxExecutionSeconds: 60, maxResultRows: 1_000_000, maxResultBytes: 128 * 1024 ** 2 },
      maxConcurrentQueries: 2,
      users: [{ name: 'metabase', role: 'bi', secretHash: hash }], // the BI users only
    });
  });

  it.each<[string, Record<string, string>]>([
    ['BI_PORT', { BI_PORT: '8124' }], // no users file: no BI user can exist
    ['BI_PORT', { BI_PORT: '8124', CONSOLE_USERS_FILE: '/etc/users.yaml', CLICKHOUSE_URL: 'http://clickhouse:8123' }],
    ['BI_PORT', { BI_PORT: '8124', CONSOLE_USERS_FILE: '/etc/users.yaml', ROLES: 'ingest,segmenter' }],
    ['BI_PORT', { BI_PORT: '70000', CONSOLE_USERS_FILE: '/etc/users.yaml' }],
    ['BI_MAX_EXECUTION_SECONDS', { BI_MAX_EXECUTION_SECONDS: '0' }],
    ['BI_MAX_RESULT_ROWS', { BI_MAX_RESULT_ROWS: 'many' }],
    ['BI_MAX_RESULT_BYTES', { BI_MAX_RESULT_BYTES: '10' }],
    ['BI_MAX_CONCURRENT_QUERIES', { BI_MAX_CONCURRENT_QUERIES: '0' }],
  ])('fail with a ConfigError naming %s for %j', (setting, env) => {
    expect(blamed(configErrorOf(env))).toEqual([setting]);
  });

  it('refuse to start when the users file has no user of role bi, and say how to add one', async () => {
    const { file } = await users(['li.wei', 'admin']);
    let message = '';
    try {
      biEndpointSettings(loadConfig({ BI_PORT: '8124', CONSOLE_USERS_FILE: file }));
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/^ {2}BI_PORT: the BI endpoint needs a user of role bi/m);
    expect(message).toContain('pnpm console-user add NAME --role bi');
  });
});

describe('Kafka security settings', () => {
  it('need a user and a password with a SASL mechanism, and TLS with a CA file, naming what is missing', () => {
    expect(blamed(configErrorOf({ KAFKA_SASL_MECHANISM: 'scram-sha-256' }))).toEqual(['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD']);
    expect(blamed(configErrorOf({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }))).toEqual(['KAFKA_SASL_MECHANISM']);
    expect(blamed(configErrorOf({ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }))).toEqual([
      'KAFKA_SASL_MECHANISM',
    ]);
    const ca = join(mkdtempSync(join(tmpdir(), 'ca-')), 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    expect(blamed(configErrorOf({ KAFKA_TLS_CA_FILE: ca }))).toEqual(['KAFKA_TLS']);
    expect(blamed(configErrorOf({ KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: `${ca}.missing` }))).toEqual(['KAFKA_TLS_CA_FILE']);
    expect(loadConfig({ KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: ca })).toMatchObject({ KAFKA_TLS_CA_FILE: ca });
    expect(
      loadConfig({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_TLS: 'true' }),
    ).toMatchObject({ KAFKA_TLS: true });
  });
});
