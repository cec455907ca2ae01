import { describe, it, expect } from 'vitest';
import { ConfigError } from '@segmentation/runtime';
import { currencyTable, loadConfig, rulesFrom } from './config.ts';

/** The ConfigError loadConfig throws for `env`; fails the test when it does not throw one. */
function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
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
      ROLES: ['ingest', 'segmenter', 'sink'],
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      REDIS_URL: 'redis://127.0.0.1:6379',
      BUSINESS_TIME_ZONE: 'Asia/Shanghai',
      BASE_CURRENCY: 'CNY',
      MAX_FUTURE_SKEW_SECONDS: 300,
      VALUE_TIER_HIGH_ENTER: 100_000,
      VALUE_TIER_HIGH_EXIT: 80_000,
      VALUE_TIER_MEDIUM_ENTER: 20_000,
      VALUE_TIER_MEDIUM_EXIT: 15_000,
      KAFKA_SESSION_TIMEOUT_MS: 10_000,
      OPS_PORT: 9464,
      LOG_LEVEL: 'info',
    });
    expect(config.CLICKHOUSE_URL).toBeUndefined();
    expect(currencyTable(config)).toMatchObject({ baseCurrency: 'CNY', rates: { CNY: 1, USD: 7.1 } });
  });

  it('treats empty settings as unset', () => {
    expect(loadConfig({ ROLES: '', KAFKA_SESSION_TIMEOUT_MS: '', CURRENCY_RATES: ' ', VALUE_TIER_HIGH_ENTER: '' })).toEqual(loadConfig({}));
  });

  it('reads a comma list of roles, and numbers and lists from text', () => {
    expect(loadConfig({ ROLES: 'segmenter, sink', KAFKA_BROKERS: 'k1:9092,k2:9092', VALUE_TIER_HIGH_ENTER: '120000.50', OPS_PORT: '0', REDIS_URL: 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000', BUSINESS_TIME_ZONE: 'Europe/Berlin' })).toMatchObject({
      ROLES: ['segmenter', 'sink'],
      REDIS_URL: 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000',
      BUSINESS_TIME_ZONE: 'Europe/Berlin',
      KAFKA_BROKERS: ['k1:9092', 'k2:9092'],
      VALUE_TIER_HIGH_ENTER: 120_000.5,
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
    ['VALUE_TIER_HIGH_ENTER', { VALUE_TIER_HIGH_ENTER: '-5' }],
    ['VALUE_TIER_HIGH_EXIT', { VALUE_TIER_HIGH_EXIT: '200000' }],
    ['VALUE_TIER_MEDIUM_EXIT', { VALUE_TIER_MEDIUM_EXIT: '25000' }],
    ['VALUE_TIER_MEDIUM_ENTER', { VALUE_TIER_MEDIUM_ENTER: '90000' }],
    ['CURRENCY_RATES', { CURRENCY_RATES: 'garbage' }],
    ['CURRENCY_RATES', { CURRENCY_RATES: 'USD=0' }],
    // Rates written for CNY (USD=7.1) do not fit a USD base currency.
    ['CURRENCY_RATES', { BASE_CURRENCY: 'USD' }],
  ])('fails with a ConfigError naming %s for %j', (setting, env) => {
    expect(blamed(configErrorOf(env))[0]).toBe(setting);
  });

  it.each<[string, Record<string, string>]>([
    ['VALUE_TIER_HIGH_EXIT', { VALUE_TIER_HIGH_EXIT: '200000' }],
    ['CURRENCY_RATES', { CURRENCY_RATES: 'garbage' }],
    ['KAFKA_SESSION_TIMEOUT_MS', { KAFKA_SESSION_TIMEOUT_MS: 'abc' }],
  ])('blames %s alone for %j, not the settings around it', (setting, env) => {
    expect(blamed(configErrorOf(env))).toEqual([setting]);
  });

  it('names every bad setting at once', () => {
    expect(blamed(configErrorOf({ ROLES: 'foo', KAFKA_SESSION_TIMEOUT_MS: 'abc' })).sort()).toEqual(['KAFKA_SESSION_TIMEOUT_MS', 'ROLES']);
  });
});

describe('rulesFrom', () => {
  const defaults = loadConfig({});

  it('carries the value tier thresholds of the configuration', () => {
    expect(rulesFrom(loadConfig({ VALUE_TIER_HIGH_ENTER: '90000', VALUE_TIER_HIGH_EXIT: '70000' })).valueTier).toEqual({
      highEnter: 90_000,
      highExit: 70_000,
      mediumEnter: 20_000,
      mediumExit: 15_000,
    });
  });

  it('versions the rules by a short, stable content hash', () => {
    const { version } = rulesFrom(defaults);
    expect(version).toMatch(/^[0-9a-f]{12}$/);
    expect(rulesFrom(loadConfig({})).version).toBe(version);
  });

  it('keeps the version when the same thresholds are written differently', () => {
    expect(rulesFrom(loadConfig({ VALUE_TIER_HIGH_ENTER: '100000.00' })).version).toBe(rulesFrom(defaults).version);
  });

  it.each([
    ['VALUE_TIER_HIGH_ENTER', '120000'],
    ['VALUE_TIER_HIGH_EXIT', '85000'],
    ['VALUE_TIER_MEDIUM_ENTER', '25000'],
    ['VALUE_TIER_MEDIUM_EXIT', '10000'],
  ])('changes the version when %s changes', (setting, value) => {
    expect(rulesFrom(loadConfig({ [setting]: value })).version).not.toBe(rulesFrom(defaults).version);
  });

  it('changes the version when the base currency changes (the thresholds are in it)', () => {
    expect(rulesFrom(loadConfig({ BASE_CURRENCY: 'USD', CURRENCY_RATES: 'CNY=0.14' })).version).not.toBe(rulesFrom(defaults).version);
  });

  it('keeps the version when settings outside the rules change', () => {
    expect(rulesFrom(loadConfig({ TOPIC_PREFIX: 'test-', LOG_LEVEL: 'warn', CURRENCY_RATES: 'USD=7.2' })).version).toBe(rulesFrom(defaults).version);
  });
});
