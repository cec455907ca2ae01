import { describe, expect, it } from 'vitest';
import { ConfigError } from '@segmentation/runtime';
import { parseOptions } from './options.ts';

const now = Date.parse('2026-11-23T05:00:00Z'); // 13:00 in Shanghai

describe('simulator options', () => {
  it('has defaults that end a fast run today and point at the local stack', () => {
    const o = parseOptions({}, {}, now);
    expect(o).toMatchObject({
      seed: 1,
      customers: 1000,
      days: 365,
      start: '2025-11-23',
      mode: 'fast',
      batchSize: 5000,
      topicPrefix: '',
      kafkaBrokers: ['127.0.0.1:9092'],
    });
    expect(o.currencies.rates).toMatchObject({ CNY: 1, USD: 7.1 });
    expect(o.groundTruthPath).toMatch(/\.local\/simulator\/ground-truth-seed1-1000x365-2025-11-23\.jsonl$/);
  });

  it('starts a live run today by default', () => {
    expect(parseOptions({ mode: 'live', rate: '500' }, {}, now)).toMatchObject({ start: '2026-11-23', rate: 500 });
  });

  it('takes the topic prefix from the flag over TOPIC_PREFIX', () => {
    expect(parseOptions({}, { TOPIC_PREFIX: 'staging.' }, now).topicPrefix).toBe('staging.');
    expect(parseOptions({ 'topic-prefix': 'mine.' }, { TOPIC_PREFIX: 'staging.' }, now).topicPrefix).toBe('mine.');
  });

  it.each([
    [{ customers: 'many' }, '--customers: must be an integer'],
    [{ days: '0' }, '--days'],
    [{ mode: 'slow' }, '--mode'],
    [{ start: '2025-02-30' }, '--start: is not a calendar date'],
    [{ start: '2026-06-01', days: '365' }, '--start: 2026-06-01 plus 365 days reaches past today'],
    [{ 'batch-size': '-5' }, '--batch-size'],
  ])('refuses %o naming the option', (flags, message) => {
    expect(() => parseOptions(flags, {}, now)).toThrow(ConfigError);
    expect(() => parseOptions(flags, {}, now)).toThrow(message);
  });

  it('refuses bad environment settings naming them', () => {
    expect(() => parseOptions({}, { SCHEMA_REGISTRY_URL: 'not a url' }, now)).toThrow('SCHEMA_REGISTRY_URL');
    expect(() => parseOptions({}, { CURRENCY_RATES: 'USD=abc' }, now)).toThrow('CURRENCY_RATES');
  });

  it('lets a live run reach into the future: its events carry the wall clock', () => {
    expect(parseOptions({ mode: 'live', start: '2026-11-23', days: '30' }, {}, now).days).toBe(30);
  });

  it('takes --from-day for live mode below --days, and --if-empty for fast mode', () => {
    expect(parseOptions({ mode: 'live', start: '2025-11-23', days: '730', 'from-day': '365' }, {}, now).fromDay).toBe(365);
    expect(parseOptions({ 'if-empty': true }, {}, now).ifEmpty).toBe(true);
    expect(() => parseOptions({ 'from-day': '5' }, {}, now)).toThrow('--from-day');
    expect(() => parseOptions({ mode: 'live', days: '30', 'from-day': '30' }, {}, now)).toThrow('--from-day');
    expect(() => parseOptions({ mode: 'live', 'if-empty': true }, {}, now)).toThrow('--if-empty');
  });
});
