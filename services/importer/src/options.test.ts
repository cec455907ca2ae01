import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@segmentation/runtime';
import { loadEnv, parseOptions, type ImportOptions } from './options.ts';

const dir = mkdtempSync(join(tmpdir(), 'importer-options-'));
const file = (name: string, content = '') => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const orders = file('orders.csv');
const shipments = file('shipments.JSONL');
const options = (args: string[]) => parseOptions(args, new Date(Date.UTC(2025, 0, 2, 3, 4, 5))) as ImportOptions;
const problem = (args: string[]) => {
  try {
    parseOptions(args);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the options to be refused');
};

describe('parseOptions', () => {
  it('takes files per kind, with the format from the extension, and sensible defaults', () => {
    expect(options(['--orders', orders, '--shipments', shipments, '--orders', orders])).toEqual({
      files: [
        { kind: 'orders', path: orders, format: 'csv' },
        { kind: 'orders', path: orders, format: 'csv' },
        { kind: 'shipments', path: shipments, format: 'jsonl' },
      ],
      mapping: {},
      timeZone: null,
      encoding: 'utf-8',
      batchSize: 500,
      reportFile: 'import-rejects-2025-01-02T03-04-05-000Z.jsonl',
      dryRun: false,
      json: false,
      quiet: false,
    });
  });

  it('reads the mapping file and the other options', () => {
    const mapping = file('mapping.json', JSON.stringify({ orders: { defaults: { currency: 'CNY' } } }));
    expect(
      options([
        '--orders',
        orders,
        '--mapping',
        mapping,
        '--time-zone',
        'Europe/Berlin',
        '--encoding',
        'gbk',
        '--batch-size',
        '50',
        '--report',
        'r.jsonl',
        '--dry-run',
        '--json',
        '--quiet',
      ]),
    ).toMatchObject({
      mapping: { orders: { defaults: { currency: 'CNY' } } },
      timeZone: 'Europe/Berlin',
      encoding: 'gbk',
      batchSize: 50,
      reportFile: 'r.jsonl',
      dryRun: true,
      json: true,
      quiet: true,
    });
  });

  it('names the option and the file that is wrong', () => {
    expect(problem(['--orders', join(dir, 'missing.csv')])).toMatch(/--orders: .*missing\.csv: no such file/);
    expect(problem(['--profiles', file('crm.xlsx')])).toMatch(
      /--profiles: .*crm\.xlsx: cannot tell the format of a profiles file from its extension; use \.csv, \.tsv, \.jsonl, \.ndjson/,
    );
    expect(problem(['--orders', orders, '--time-zone', 'Beijing'])).toMatch(/--time-zone: unknown time zone "Beijing"/);
    expect(problem(['--orders', orders, '--encoding', 'klingon'])).toMatch(/--encoding: unknown text encoding "klingon"/);
    expect(problem(['--orders', orders, '--batch-size', '0'])).toMatch(/--batch-size: /);
    expect(problem(['--orders', orders, '--batch-size', 'many'])).toMatch(/--batch-size: must be an integer/);
    expect(problem([])).toMatch(/no file to import: give at least one of --orders, --shipments, --complaints, --profiles/);
    expect(problem(['--invoices', orders])).toMatch(/Unknown option '--invoices'/);
  });

  it('names the mapping file and the place in it that is wrong', () => {
    expect(problem(['--orders', orders, '--mapping', file('bad.json', '{ nope')])).toMatch(/--mapping: .*bad\.json: not valid JSON/);
    expect(problem(['--orders', orders, '--mapping', file('typo.json', '{"orders":{"columns":{"amout":"AMT"}}}')])).toMatch(
      /--mapping: .*typo\.json: orders\.columns\.amout: unknown field "amout" of orders/,
    );
  });

  it('answers --help', () => {
    expect(parseOptions(['--help'])).toBe('help');
  });
});

describe('loadEnv', () => {
  it("reads the pipeline's own settings, with the pipeline's defaults", () => {
    expect(loadEnv({})).toMatchObject({
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      TOPIC_PREFIX: '',
      BASE_CURRENCY: 'CNY',
      MAX_FUTURE_SKEW_SECONDS: 300,
      BUSINESS_TIME_ZONE: 'Asia/Shanghai',
    });
    expect(loadEnv({ TOPIC_PREFIX: 'acme.', KAFKA_BROKERS: 'k1:9092,k2:9092', BUSINESS_TIME_ZONE: 'Asia/Hong_Kong' })).toMatchObject({
      TOPIC_PREFIX: 'acme.',
      KAFKA_BROKERS: ['k1:9092', 'k2:9092'],
      BUSINESS_TIME_ZONE: 'Asia/Hong_Kong',
    });
  });

  it('names every bad setting', () => {
    expect(() => loadEnv({ CURRENCY_RATES: 'USD=abc', BUSINESS_TIME_ZONE: 'Mars/Olympus' })).toThrow(
      /BUSINESS_TIME_ZONE: unknown time zone "Mars\/Olympus"[\s\S]*CURRENCY_RATES: must look like USD=7\.1/,
    );
  });
});
