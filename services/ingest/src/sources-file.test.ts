import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topicNames } from '@segmentation/contracts';
import { ConfigError } from '@segmentation/runtime';
import { DEFAULT_SOURCES, loadSourcesFile, parseSourcesFile, topicOf } from './sources-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'ingest-sources-'));
const fileWith = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const problemsOf = (document: unknown) => {
  try {
    parseSourcesFile(document, '/etc/sources.json', 'SOURCES_FILE');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the document was accepted');
};

describe('the sources file', () => {
  it('is the four contract topics in Avro when none is given, as before it existed', () => {
    const topics = topicNames('t.');
    expect(loadSourcesFile(undefined)).toBe(DEFAULT_SOURCES);
    expect(DEFAULT_SOURCES.map((s) => topicOf(s, topics))).toEqual([
      topics.orders,
      topics.shipments,
      topics.complaints,
      topics.customerProfiles,
    ]);
  });

  it('reads avro and json sources, a json one with its mapping in the import format', () => {
    const path = fileWith(
      'good.json',
      JSON.stringify({
        sources: [
          { kind: 'order' },
          {
            format: 'json',
            kind: 'shipment',
            topic: 'tms.waybills',
            mapping: { columns: { shipmentId: 'waybill', transportMode: 'mode_cn' }, values: { status: { 签收: 'DELIVERED' } } },
          },
        ],
      }),
    );
    const sources = loadSourcesFile(path);
    expect(sources).toEqual([
      { format: 'avro', kind: 'order' },
      {
        format: 'json',
        kind: 'shipment',
        topic: 'tms.waybills',
        // A single column is a list of one, as in the mapping file.
        mapping: { columns: { shipmentId: ['waybill'], transportMode: ['mode_cn'] }, values: { status: { 签收: 'DELIVERED' } } },
      },
    ]);
    expect(topicOf(sources[1]!, topicNames(''))).toBe('tms.waybills');
  });

  it("puts the project's topic prefix where a topic name asks for it, as the connectors do", () => {
    const document = { sources: [{ format: 'debezium', kind: 'order', topic: '${TOPIC_PREFIX}cdc-postgres.public.orders' }] };
    expect(parseSourcesFile(document, 'sources.json', 'SOURCES_FILE', 'test.')).toMatchObject([
      { topic: 'test.cdc-postgres.public.orders' },
    ]);
    expect(parseSourcesFile(document, 'sources.json', 'SOURCES_FILE')).toMatchObject([{ topic: 'cdc-postgres.public.orders' }]);
  });

  it('reads the example sources file the repository ships', () => {
    const sources = loadSourcesFile(join(import.meta.dirname, '../../../infra/sources.example.json'), 'p.');
    expect(sources.filter((s) => s.format === 'avro')).toHaveLength(4);
    expect(sources.flatMap((s) => (s.format === 'debezium' ? [s.topic] : []))).toEqual([
      'p.cdc-postgres.public.orders',
      'p.cdc-postgres.public.waybills',
      'p.cdc-postgres.public.tickets',
    ]);
  });

  it('names the setting, the file and the place of each problem in it', () => {
    const message = problemsOf({
      sources: [
        { format: 'json', kind: 'shipment', topic: 'tms.waybills', mapping: { columns: { transportMod: 'mode' } } },
        { format: 'json', kind: 'order' },
        { format: 'xml', kind: 'order' },
        { kind: 'invoice' },
        { kind: 'order', topic: 'orders' },
      ],
    });
    expect(message).toMatch(/^invalid configuration:\n {2}SOURCES_FILE: \/etc\/sources.json is not a valid sources file:/);
    expect(message).toMatch(/sources\.0\.mapping\.columns\.transportMod: unknown field "transportMod" of shipments/);
    expect(message).toContain('sources.1.topic: a json source needs its topic');
    expect(message).toMatch(/sources\.2\.format: /);
    expect(message).toMatch(/sources\.3\.kind: /);
    expect(message).toContain('sources.4.topic: an avro source reads its contract topic: leave topic out');
  });

  it('refuses a topic read twice, an empty list, and a file that is not JSON', () => {
    expect(problemsOf({ sources: [{ kind: 'order' }, { kind: 'order' }] })).toContain(
      'sources.1: the order contract topic is already source 0',
    );
    expect(problemsOf({ sources: [] })).toContain('sources: list at least one source');
    expect(() => loadSourcesFile(fileWith('bad.json', 'sources:\n  - kind: order\n'))).toThrow(/SOURCES_FILE: .*bad\.json is not JSON/);
    expect(() => loadSourcesFile(join(dir, 'missing.json'))).toThrow(/SOURCES_FILE: cannot read .*missing\.json/);
  });
});
