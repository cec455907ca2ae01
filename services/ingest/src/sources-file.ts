import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { TopicNames } from '@segmentation/contracts';
import { kindOverrideSchema, type ImportKind, type MappingFile } from '@segmentation/mapping';
import { ConfigError } from '@segmentation/runtime';

// The sources file (SOURCES_FILE) says which topics ingest reads and how each is written: Avro
// in the project's contracts (the source topics it always had), JSON in a producer's own
// columns, or Debezium change events of a database table; the last two are mapped onto a
// contract with the same mapping format as the history import (docs/import.md), so an export and
// a live feed of one system share one mapping.

export const SOURCE_KINDS = ['order', 'shipment', 'complaint', 'profile'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
export const SOURCE_FORMATS = ['avro', 'json', 'debezium'] as const;

/** The import's name of each kind: its mapping section and its default columns. */
export const importKindOf: Record<SourceKind, ImportKind> = {
  order: 'orders',
  shipment: 'shipments',
  complaint: 'complaints',
  profile: 'profiles',
};

/** A mapping section of one kind, as the import's mapping file holds it. */
export type KindMapping = NonNullable<MappingFile[ImportKind]>;

export type SourceEntry =
  /** A contract topic (orders, shipments, complaints, customer-profiles, with TOPIC_PREFIX). */
  | { format: 'avro'; kind: SourceKind }
  /** A producer's own topic, named as it is (no prefix): it belongs to the system that writes it. */
  | { format: 'json'; kind: SourceKind; topic: string; mapping: KindMapping }
  /**
   * A table's change events (one topic per table, `cdc-postgres.<schema>.<table>`): inserts and
   * updates are read from the row after the change; deletes are ignored unless `onDelete` gives
   * the column values a deleted row is read with (e.g. `{"status": "cancelled"}`).
   */
  | { format: 'debezium'; kind: SourceKind; topic: string; mapping: KindMapping; onDelete?: Record<string, string> };

/** What ingest reads when no sources file is given: the four contract topics, as always. */
export const DEFAULT_SOURCES: SourceEntry[] = SOURCE_KINDS.map((kind) => ({ format: 'avro', kind }));

const topicName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name (letters, digits, ".", "_", "-")')
  .refine((t) => t !== '.' && t !== '..', 'must be a Kafka topic name');

const entrySchema = z
  .strictObject({
    format: z.enum(SOURCE_FORMATS).default('avro'),
    kind: z.enum(SOURCE_KINDS),
    topic: topicName.optional(),
    mapping: z.unknown().optional(),
    onDelete: z.record(z.string().min(1), z.string()).optional(),
  })
  .transform((entry, ctx): SourceEntry => {
    if (entry.format === 'avro') {
      if (entry.topic !== undefined)
        ctx.addIssue({ code: 'custom', path: ['topic'], message: 'an avro source reads its contract topic: leave topic out' });
      if (entry.mapping !== undefined)
        ctx.addIssue({ code: 'custom', path: ['mapping'], message: 'an avro source is in the contract already: leave mapping out' });
      return { format: 'avro', kind: entry.kind };
    }
    if (entry.format === 'json' && entry.onDelete !== undefined)
      ctx.addIssue({ code: 'custom', path: ['onDelete'], message: 'only a debezium source has deletes' });
    if (entry.topic === undefined) ctx.addIssue({ code: 'custom', path: ['topic'], message: `a ${entry.format} source needs its topic` });
    const mapping = kindOverrideSchema(importKindOf[entry.kind]).safeParse(entry.mapping ?? {});
    if (!mapping.success) {
      for (const issue of mapping.error.issues) ctx.addIssue({ code: 'custom', path: ['mapping', ...issue.path], message: issue.message });
      return z.NEVER;
    }
    const topic = entry.topic ?? '';
    return entry.format === 'json'
      ? { format: 'json', kind: entry.kind, topic, mapping: mapping.data }
      : { format: 'debezium', kind: entry.kind, topic, mapping: mapping.data, ...(entry.onDelete ? { onDelete: entry.onDelete } : {}) };
  });

export const sourcesFileSchema = z
  .strictObject({ sources: z.array(entrySchema).min(1, 'list at least one source') })
  .superRefine((file, ctx) => {
    const seen = new Map<string, number>();
    file.sources.forEach((s, i) => {
      const name = s.format === 'avro' ? `the ${s.kind} contract topic` : `topic ${s.topic}`;
      const earlier = seen.get(name);
      if (earlier !== undefined) ctx.addIssue({ code: 'custom', path: ['sources', i], message: `${name} is already source ${earlier}` });
      else seen.set(name, i);
    });
  });

/** The topic a source is read from. */
export const topicOf = (source: SourceEntry, topics: TopicNames): string =>
  source.format === 'avro' ? contractTopic(source.kind, topics) : source.topic;

function contractTopic(kind: SourceKind, topics: TopicNames): string {
  switch (kind) {
    case 'order':
      return topics.orders;
    case 'shipment':
      return topics.shipments;
    case 'complaint':
      return topics.complaints;
    case 'profile':
      return topics.customerProfiles;
  }
}

/**
 * Validates a sources document; every problem is named with its place in the file. `${TOPIC_PREFIX}`
 * in a topic name is replaced by `topicPrefix`: the project's connectors put it in front of their
 * topics (infra/connect), so one sources file serves every prefix.
 */
export function parseSourcesFile(document: unknown, path: string, setting: string, topicPrefix = ''): SourceEntry[] {
  const parsed = sourcesFileSchema.safeParse(withTopicPrefix(document, topicPrefix));
  if (parsed.success) return parsed.data.sources;
  const problems = parsed.error.issues.map((i) => `    ${i.path.map(String).join('.') || '(top level)'}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n  ${setting}: ${path} is not a valid sources file:\n${problems.join('\n')}`);
}

/**
 * The sources of the file at `path`, or the four contract topics when there is none. The file is
 * JSON: YAML would need a YAML parser among ingest's dependencies, which it does not have yet.
 */
export function loadSourcesFile(path: string | undefined, topicPrefix = '', setting = 'SOURCES_FILE'): SourceEntry[] {
  if (path === undefined) return DEFAULT_SOURCES;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`invalid configuration:\n  ${setting}: cannot read ${path} (${(err as Error).message})`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`invalid configuration:\n  ${setting}: ${path} is not JSON (${(err as Error).message})`);
  }
  return parseSourcesFile(document, path, setting, topicPrefix);
}

function withTopicPrefix(document: unknown, prefix: string): unknown {
  if (typeof document !== 'object' || document === null || !Array.isArray((document as { sources?: unknown }).sources)) return document;
  const sources = (document as { sources: unknown[] }).sources.map((s) =>
    typeof s === 'object' && s !== null && typeof (s as { topic?: unknown }).topic === 'string'
      ? { ...s, topic: (s as { topic: string }).topic.replaceAll('${TOPIC_PREFIX}', prefix) }
      : s,
  );
  return { ...document, sources };
}
