import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  avroSchemas,
  type AlertOutcome,
  type AlertWorkflowKind,
  type ChurnAlert,
  type EpisodeEvent,
  type OutputCause,
} from '@segmentation/contracts';
import { readMigrations, type Migration } from './migrations.ts';
import { tableRowSchemas } from './table-row.ts';

// A ClickHouse table is written once, as its numbered SQL migrations (schemas/clickhouse): the
// source of truth for its columns. The zod row schema the sink validates with (table-row.ts) is
// checked against the columns the migrations leave, both ways; and the Avro record each table is
// fed from (schemas/avro) against the columns, so a field added to a topic and not to its table,
// or a column added without its row schema, fails here with the table, the column and the layers.

// ---- the SQL side: the columns each table has after every migration, in order

interface ChType {
  name: string;
  args: ChType[];
  /** Enum8/Enum16 symbols. */
  symbols: string[];
  /** The text between the parentheses: `3, 'UTC'` of DateTime64(3, 'UTC'). */
  params: string;
}

/** Splits at commas outside parentheses and quotes. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" && text[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === ',') {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter(Boolean);
}

/** `LowCardinality(Nullable(String))`, `Map(String, Float64)`, `Enum8('a' = 1)`, `DateTime64(3, 'UTC')`. */
function parseChType(text: string): ChType {
  const m = /^(\w+)\s*(?:\(([\s\S]*)\))?$/.exec(text.trim());
  if (m === null) throw new Error(`cannot read ClickHouse type ${text}`);
  const name = m[1] ?? '';
  const inner = m[2] ?? '';
  if (name.startsWith('Enum'))
    return { name, args: [], symbols: [...inner.matchAll(/'((?:[^'\\]|\\.)*)'\s*=/g)].map((s) => s[1] ?? ''), params: inner };
  const wrapsTypes = ['LowCardinality', 'Nullable', 'Array', 'Map'].includes(name);
  return { name, args: wrapsTypes ? splitTopLevel(inner).map(parseChType) : [], symbols: [], params: inner };
}

const describeCh = (t: ChType): string =>
  t.symbols.length
    ? `${t.name}(${t.symbols.join(', ')})`
    : t.args.length
      ? `${t.name}(${t.args.map(describeCh).join(', ')})`
      : t.params
        ? `${t.name}(${t.params})`
        : t.name;

/** LowCardinality changes storage, not values. */
const valuesOf = (t: ChType): ChType => (t.name === 'LowCardinality' && t.args[0] ? valuesOf(t.args[0]) : t);

function splitChNull(t: ChType): { nullable: boolean; inner: ChType } {
  const v = valuesOf(t);
  return v.name === 'Nullable' && v.args[0] ? { nullable: true, inner: valuesOf(v.args[0]) } : { nullable: false, inner: v };
}

interface Column {
  type: ChType;
  /** MATERIALIZED and ALIAS columns are computed: an insert cannot give them. */
  computed: boolean;
}

const COLUMN_CLAUSE = /\s(DEFAULT|MATERIALIZED|ALIAS|EPHEMERAL|CODEC|COMMENT|TTL|AFTER|FIRST)\b/;

function parseColumn(definition: string): [string, Column] {
  const m = /^`?(\w+)`?\s+([\s\S]+)$/.exec(definition.trim());
  if (m === null) throw new Error(`cannot read column definition ${definition}`);
  const rest = m[2] ?? '';
  const clause = COLUMN_CLAUSE.exec(rest);
  const typeText = clause ? rest.slice(0, clause.index) : rest;
  return [m[1] ?? '', { type: parseChType(typeText), computed: /\s(MATERIALIZED|ALIAS)\b/.test(rest) }];
}

/** Every table's columns after applying the migrations' CREATE TABLE and ALTER TABLE … COLUMN statements in order. */
function tablesAfter(migrations: Migration[]): Map<string, Map<string, Column>> {
  const tables = new Map<string, Map<string, Column>>();
  for (const { name: file, statements } of migrations) {
    for (const statement of statements) {
      const create = /^CREATE TABLE (?:IF NOT EXISTS )?`?([\w.]+)`?\s*\(([\s\S]*)\)\s*ENGINE\b/i.exec(statement);
      if (create) {
        const columns = new Map<string, Column>();
        for (const part of splitTopLevel(create[2] ?? '')) {
          if (/^(INDEX|PROJECTION|CONSTRAINT)\s/i.test(part)) continue;
          columns.set(...parseColumn(part));
        }
        tables.set(create[1] ?? '', columns);
        continue;
      }
      const alter = /^ALTER TABLE `?([\w.]+)`?\s+([\s\S]+)$/i.exec(statement);
      if (!alter) continue;
      const columns = tables.get(alter[1] ?? '');
      for (const action of splitTopLevel(alter[2] ?? '')) {
        if (!/\bCOLUMN\b/i.test(action)) continue; // indexes, projections, mutations: no column changes
        if (columns === undefined) throw new Error(`${file}: ALTER TABLE ${alter[1]} before the table is created`);
        const add = /^(?:ADD|MODIFY) COLUMN (?:IF (?:NOT )?EXISTS )?([\s\S]+)$/i.exec(action);
        const drop = /^DROP COLUMN (?:IF EXISTS )?`?(\w+)`?$/i.exec(action);
        const rename = /^RENAME COLUMN (?:IF EXISTS )?`?(\w+)`? TO `?(\w+)`?$/i.exec(action);
        if (add) columns.set(...parseColumn(add[1] ?? ''));
        else if (drop) columns.delete(drop[1] ?? '');
        else if (rename) {
          const column = columns.get(rename[1] ?? '');
          if (column) columns.set(rename[2] ?? '', column);
          columns.delete(rename[1] ?? '');
        } else throw new Error(`${file}: cannot read the column change "${action}"; teach table-schemas.test.ts to read it`);
      }
    }
  }
  return tables;
}

// ---- zod row schema against a column

function splitZodNull(s: z.ZodType): { nullable: boolean; inner: z.ZodType } {
  return s instanceof z.ZodNullable ? { nullable: true, inner: s.unwrap() as z.ZodType } : { nullable: false, inner: s };
}

function describeZod(s: z.ZodType): string {
  const { nullable, inner } = splitZodNull(s);
  const base =
    inner instanceof z.ZodNumber
      ? `${inner.isInt ? 'integer' : 'number'} ${inner.minValue ?? '-∞'}..${inner.maxValue ?? '∞'}`
      : inner instanceof z.ZodEnum
        ? `enum [${inner.options.join(', ')}]`
        : inner instanceof z.ZodArray
          ? `array of ${describeZod(inner.element as z.ZodType)}`
          : inner instanceof z.ZodRecord
            ? `record of ${describeZod(inner.valueType as z.ZodType)}`
            : inner.def.type;
  return nullable ? `nullable ${base}` : base;
}

const INTEGER_RANGES: Record<string, [number, number]> = {
  UInt8: [0, 255],
  UInt16: [0, 65_535],
  UInt32: [0, 2 ** 32 - 1],
  UInt64: [0, Number.MAX_SAFE_INTEGER],
  Int8: [-128, 127],
  Int16: [-32_768, 32_767],
  Int32: [-(2 ** 31), 2 ** 31 - 1],
  Int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};
const isTime = (t: ChType) => t.name === 'DateTime64' || t.name === 'DateTime' || t.name === 'Date' || t.name === 'Date32';
const isFloat = (t: ChType) => t.name === 'Float64' || t.name === 'Float32' || t.name.startsWith('Decimal');

/**
 * What the row schema must be so every row it passes is one the column takes: null only where the
 * column is Nullable (and the other way round, or a value the engine could hold would be refused),
 * integers within the column's range, an Enum's symbols exactly, times as text, arrays and maps of
 * compatible values.
 */
function compareZodToColumn(schema: z.ZodType, column: ChType, path: string): string[] {
  const c = splitChNull(column);
  const s = splitZodNull(schema);
  const says = `the migrations say ${describeCh(column)}, the row schema says ${describeZod(schema)}`;
  if (c.nullable !== s.nullable) return [`${path}: ${says}`];
  const t = c.inner;
  const zt = s.inner;
  const range = INTEGER_RANGES[t.name];
  if (range) {
    if (!(zt instanceof z.ZodNumber) || !zt.isInt) return [`${path}: ${says}`];
    const [min, max] = range;
    const within = (zt.minValue ?? -Infinity) >= min && (zt.maxValue ?? Infinity) <= max;
    return within ? [] : [`${path}: ${says} (the row schema lets through values out of the column's range ${min}..${max})`];
  }
  if (isFloat(t)) return zt instanceof z.ZodNumber ? [] : [`${path}: ${says}`];
  if (isTime(t) || t.name === 'String' || t.name === 'FixedString' || t.name === 'UUID')
    return zt instanceof z.ZodString || (t.name === 'String' && zt instanceof z.ZodEnum) ? [] : [`${path}: ${says}`];
  if (t.name.startsWith('Enum')) {
    if (!(zt instanceof z.ZodEnum)) return [`${path}: ${says}`];
    const zodSymbols = zt.options.map(String);
    return sameSymbols(t.symbols, zodSymbols, path, 'the migrations', 'the row schema');
  }
  if (t.name === 'Bool') return zt instanceof z.ZodBoolean ? [] : [`${path}: ${says}`];
  if (t.name === 'Array' && t.args[0])
    return zt instanceof z.ZodArray ? compareZodToColumn(zt.element as z.ZodType, t.args[0], `${path}[]`) : [`${path}: ${says}`];
  if (t.name === 'Map' && t.args[0] && t.args[1]) {
    if (!(zt instanceof z.ZodRecord)) return [`${path}: ${says}`];
    return [
      ...compareZodToColumn(zt.keyType as z.ZodType, t.args[0], `${path}{key}`),
      ...compareZodToColumn(zt.valueType as z.ZodType, t.args[1], `${path}{}`),
    ];
  }
  return [`${path}: ${says} (no rule for this column type here; teach table-schemas.test.ts)`];
}

function sameSymbols(a: string[], b: string[], path: string, aLayer: string, bLayer: string): string[] {
  const missing = a.filter((x) => !b.includes(x));
  const extra = b.filter((x) => !a.includes(x));
  return [
    ...(missing.length ? [`${path}: ${missing.join(', ')} in ${aLayer}, not in ${bLayer}`] : []),
    ...(extra.length ? [`${path}: ${extra.join(', ')} in ${bLayer}, not in ${aLayer}`] : []),
  ];
}

const shapeOf = (schema: z.ZodType): Record<string, z.ZodType> => {
  if (!(schema instanceof z.ZodObject)) throw new Error('a row schema must be a zod object');
  return schema.shape;
};

// ---- the Avro side: the schema JSON (avsc drops logical types, so it is read here directly)

interface AvroField {
  name: string;
  type: unknown;
}
type AvroRecord = { type: 'record'; name: string; fields: AvroField[] };

function avroNullable(t: unknown): { nullable: boolean; inner: unknown } {
  if (!Array.isArray(t)) return { nullable: false, inner: t };
  const rest = t.filter((b) => b !== 'null');
  return rest.length === 1 && t.length === 2 ? { nullable: true, inner: rest[0] } : { nullable: false, inner: t };
}

const describeAvro = (t: unknown): string => {
  const { nullable, inner } = avroNullable(t);
  const o = inner as { type?: string; logicalType?: string; name?: string; symbols?: string[]; items?: unknown; values?: unknown };
  const base =
    typeof inner === 'string'
      ? inner
      : o.type === 'enum'
        ? `enum ${o.name} [${(o.symbols ?? []).join(', ')}]`
        : o.type === 'array'
          ? `array of ${describeAvro(o.items)}`
          : o.type === 'map'
            ? `map of ${describeAvro(o.values)}`
            : o.logicalType
              ? `${o.type} (${o.logicalType})`
              : (o.type ?? JSON.stringify(inner));
  return nullable ? `nullable ${base}` : base;
};

/**
 * What the column must be to hold every value of the Avro field: nullable exactly where Avro is,
 * an integer type for int and long, DateTime64(3) for timestamp-millis (milliseconds kept), a
 * float or a Decimal for double (money is Decimal, so sums reconcile), the enum's symbols when the
 * column is an Enum, and arrays and maps of compatible values.
 */
function compareAvroToColumn(avroType: unknown, column: ChType, path: string): string[] {
  const a = avroNullable(avroType);
  const c = splitChNull(column);
  const says = `Avro says ${describeAvro(avroType)}, the migrations say ${describeCh(column)}`;
  if (a.nullable !== c.nullable) return [`${path}: ${says}`];
  const t = c.inner;
  const o = (typeof a.inner === 'string' ? { type: a.inner } : a.inner) as {
    type: string;
    logicalType?: string;
    symbols?: string[];
    items?: unknown;
    values?: unknown;
  };
  switch (o.type) {
    case 'string':
      return t.name === 'String' ? [] : [`${path}: ${says}`];
    case 'enum':
      if (t.name === 'String') return [];
      return t.name.startsWith('Enum')
        ? sameSymbols(o.symbols ?? [], t.symbols, path, 'the Avro enum', 'the ClickHouse Enum')
        : [`${path}: ${says}`];
    case 'int':
      return INTEGER_RANGES[t.name] ? [] : [`${path}: ${says}`];
    case 'long':
      if (o.logicalType === 'timestamp-millis')
        return t.name === 'DateTime64' && /^\s*3\b/.test(t.params) ? [] : [`${path}: ${says} (milliseconds need DateTime64(3))`];
      return t.name === 'Int64' || t.name === 'UInt64' ? [] : [`${path}: ${says}`];
    case 'float':
    case 'double':
      return isFloat(t) ? [] : [`${path}: ${says}`];
    case 'boolean':
      return t.name === 'Bool' ? [] : [`${path}: ${says}`];
    case 'array':
      return t.name === 'Array' && t.args[0] ? compareAvroToColumn(o.items, t.args[0], `${path}[]`) : [`${path}: ${says}`];
    case 'map':
      return t.name === 'Map' && t.args[1] && valuesOf(t.args[0] ?? t).name === 'String'
        ? compareAvroToColumn(o.values, t.args[1], `${path}{}`)
        : [`${path}: ${says}`];
    default:
      return [`${path}: ${says} (no rule for this Avro type here; teach table-schemas.test.ts)`];
  }
}

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The columns an Avro record becomes, by the sink's naming rules: a field `fooBar` is `foo_bar`; a
 * nested record (the source position) is one column per field, `source_topic`; an array of records
 * (reasons) is one array column per field, `reason_codes`. Each column keeps the Avro type it holds.
 */
function columnsOfAvro(record: AvroRecord): Map<string, { field: string; type: unknown }> {
  const out = new Map<string, { field: string; type: unknown }>();
  for (const f of record.fields) {
    const { nullable, inner } = avroNullable(f.type);
    const o = inner as { type?: string; fields?: AvroField[]; items?: { type?: string; fields?: AvroField[] } };
    if (o.type === 'record') {
      for (const sub of o.fields ?? []) {
        const subType = avroNullable(sub.type);
        out.set(`${snake(f.name)}_${snake(sub.name)}`, {
          field: `${f.name}.${sub.name}`,
          type: nullable || subType.nullable ? ['null', subType.inner] : sub.type,
        });
      }
    } else if (o.type === 'array' && o.items?.type === 'record') {
      const singular = f.name.replace(/s$/, '');
      for (const sub of o.items.fields ?? [])
        out.set(`${snake(singular)}_${snake(sub.name)}s`, { field: `${f.name}[].${sub.name}`, type: { type: 'array', items: sub.type } });
    } else out.set(snake(f.name), { field: f.name, type: f.type });
  }
  return out;
}

const avroRecord = (text: string): AvroRecord => JSON.parse(text) as AvroRecord;

/** A customer-events record of one body branch, envelope and body as one record, as the sink writes it. */
function logRecord(branch: string): AvroRecord {
  const log = avroRecord(avroSchemas.customerEvent);
  const body = log.fields.find((f) => f.name === 'body')?.type as AvroRecord[] | undefined;
  const record = body?.find((b) => b.name === branch);
  if (record === undefined) throw new Error(`customer-event.avsc has no body branch ${branch}`);
  return { type: 'record', name: branch, fields: [...log.fields.filter((f) => f.name !== 'body'), ...record.fields] };
}

/**
 * Which Avro record feeds which table. `fromKafka`: columns the sink fills from the record's place
 * in the log, not from its fields. Every Avro field is stored.
 */
const feeds: Array<{ table: string; topic: string; record: AvroRecord; fromKafka?: string[] }> = [
  { table: 'segment_changes', topic: 'segment-changes', record: avroRecord(avroSchemas.segmentChange) },
  { table: 'churn_alerts', topic: 'churn-alerts', record: avroRecord(avroSchemas.churnAlert) },
  { table: 'feature_snapshots', topic: 'feature-snapshots', record: avroRecord(avroSchemas.featureSnapshot) },
  { table: 'alert_workflow_events', topic: 'alert-workflow', record: avroRecord(avroSchemas.alertWorkflow) },
  {
    table: 'rules_versions',
    topic: 'rules-versions',
    record: avroRecord(avroSchemas.rulesVersion),
  },
  ...(
    [
      ['orders', 'OrderRecorded'],
      ['shipments', 'ShipmentRecorded'],
      ['complaints', 'ComplaintRecorded'],
      ['customer_profiles', 'ProfileRecorded'],
    ] as const
  ).map(([table, branch]) => ({
    table,
    topic: `customer-events (${branch})`,
    record: logRecord(branch),
    fromKafka: ['log_partition', 'log_offset'],
  })),
];

const tables = tablesAfter(readMigrations());
const columnsOf = (table: string): Map<string, Column> => {
  const columns = tables.get(table);
  if (columns === undefined) throw new Error(`no CREATE TABLE ${table} in schemas/clickhouse`);
  return columns;
};

describe('reading the migrations', () => {
  it('applies ALTER TABLE … ADD, MODIFY, RENAME and DROP COLUMN after the CREATE TABLE', () => {
    const read = tablesAfter([
      {
        version: 1,
        name: '001_t',
        statements: [
          'CREATE TABLE IF NOT EXISTS t\n(\n a String,\n b LowCardinality(Nullable(String)),\n m Map(String, Float64),\n c Decimal(18, 4) DEFAULT 0\n)\nENGINE = MergeTree ORDER BY a',
          "ALTER TABLE t ADD COLUMN IF NOT EXISTS e Enum8('x' = 1, 'y' = 2) AFTER a, DROP COLUMN c",
          'ALTER TABLE t RENAME COLUMN b TO bb, MODIFY COLUMN a UInt8',
        ],
      },
    ]).get('t');
    expect([...(read ?? new Map<string, Column>())].map(([name, c]) => `${name} ${describeCh(c.type)}`)).toEqual([
      'a UInt8',
      'm Map(String, Float64)',
      'e Enum8(x, y)',
      'bb LowCardinality(Nullable(String))',
    ]);
  });
});

describe('ClickHouse row schemas (table-row.ts) against the migrations (schemas/clickhouse)', () => {
  it.each(Object.keys(tableRowSchemas))('%s: every column of the row schema is in the table, with a compatible type', (table) => {
    const columns = columnsOf(table);
    const problems = Object.entries(shapeOf(tableRowSchemas[table] as z.ZodType)).flatMap(([name, schema]) => {
      const column = columns.get(name);
      return column === undefined
        ? [`${table}.${name}: in the row schema (${describeZod(schema)}), not a column of the migrations`]
        : compareZodToColumn(schema, column.type, `${table}.${name}`);
    });
    expect(problems).toEqual([]);
  });

  it.each(Object.keys(tableRowSchemas))('%s: every column the sink can insert is in the row schema', (table) => {
    const shape = shapeOf(tableRowSchemas[table] as z.ZodType);
    const missing = [...columnsOf(table)]
      .filter(([name, c]) => !c.computed && shape[name] === undefined)
      .map(([name, c]) => `${table}.${name}: a column of the migrations (${describeCh(c.type)}), missing from the row schema`);
    expect(missing).toEqual([]);
  });
});

describe('ClickHouse tables against the Avro record that feeds them (schemas/avro)', () => {
  it('every table the sink writes is fed by an Avro record checked here', () => {
    expect(feeds.map((f) => f.table).sort()).toEqual(Object.keys(tableRowSchemas).sort());
  });

  it.each(feeds)('$table: every field of $topic has its column, with a compatible type', ({ table, record }) => {
    const columns = columnsOf(table);
    const problems = [...columnsOfAvro(record)].flatMap(([name, { field, type }]) => {
      const column = columns.get(name);
      return column === undefined
        ? [`${table}.${name}: for Avro field ${record.name}.${field} (${describeAvro(type)}), not a column of the migrations`]
        : compareAvroToColumn(type, column.type, `${table}.${name} (Avro ${record.name}.${field})`);
    });
    expect(problems).toEqual([]);
  });

  it.each(feeds)('$table: every column holds a field of $topic or its place in the log', ({ table, record, fromKafka = [] }) => {
    const fromAvro = columnsOfAvro(record);
    const orphans = [...columnsOf(table).keys()]
      .filter((name) => !fromAvro.has(name) && !fromKafka.includes(name))
      .map((name) => `${table}.${name}: a column of the migrations that no field of Avro ${record.name} fills`);
    expect(orphans).toEqual([]);
  });

  it.each(feeds)('$table: every enum of the row schema has the symbols of the Avro enum it holds', ({ table, record }) => {
    const shape = shapeOf(tableRowSchemas[table] as z.ZodType);
    const problems = [...columnsOfAvro(record)].flatMap(([name, { field, type }]) => {
      const zt = shape[name] ? splitZodNull(shape[name]).inner : undefined;
      const avroEnum = avroNullable(type).inner as { type?: string; symbols?: string[] };
      if (!(zt instanceof z.ZodEnum) || avroEnum.type !== 'enum') return [];
      return sameSymbols(
        avroEnum.symbols ?? [],
        zt.options.map(String),
        `${table}.${name} (Avro ${record.name}.${field})`,
        'the Avro enum',
        'the row schema',
      );
    });
    expect(problems).toEqual([]);
  });
});

// Values Avro carries as strings have their list in a TypeScript union (packages/contracts, whose
// test holds the Avro doc to it). A row schema that narrows such a column to an enum must take
// exactly the union's values, or the sink would refuse a record the segmenter or console wrote.
// `satisfies Record<Union, true>` makes the compiler hold each list to its union, both ways.
const unions: Record<string, Record<string, Record<string, true>>> = {
  churn_alerts: {
    level: { watch: true, warning: true, critical: true, cleared: true } satisfies Record<ChurnAlert['level'], true>,
    cause: { event: true, timer: true, profile: true, rules_changed: true } satisfies Record<OutputCause, true>,
    episode_event: { opened: true, escalated: true, re_escalated: true, de_escalated: true, closed: true } satisfies Record<
      EpisodeEvent,
      true
    >,
  },
  alert_workflow_events: {
    kind: { acknowledged: true, assigned: true, action_taken: true, closed_with_outcome: true } satisfies Record<AlertWorkflowKind, true>,
    outcome: { retained: true, won_back: true, lost: true, not_a_churn_risk: true } satisfies Record<AlertOutcome, true>,
  },
};

describe('row schema enums of values Avro carries as strings', () => {
  it.each(feeds)('$table: each enum column takes exactly the values of its TypeScript union', ({ table, record }) => {
    const shape = shapeOf(tableRowSchemas[table] as z.ZodType);
    const problems = [...columnsOfAvro(record)].flatMap(([name, { type }]) => {
      const zt = shape[name] ? splitZodNull(shape[name]).inner : undefined;
      if (!(zt instanceof z.ZodEnum) || avroNullable(type).inner !== 'string') return [];
      const union = unions[table]?.[name];
      if (union === undefined)
        return [`${table}.${name}: the row schema has an enum for an Avro string; name its TypeScript union in this test`];
      return sameSymbols(Object.keys(union), zt.options.map(String), `${table}.${name}`, 'the TypeScript union', 'the row schema');
    });
    expect(problems).toEqual([]);
  });
});
