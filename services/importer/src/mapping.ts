import { z } from 'zod';
import { columnKey, defaultColumns, IMPORT_KINDS, valueAddedServiceNames, type FieldSpec, type ImportKind, type KindSpec } from './columns.ts';
import { parseEventTime } from './time.ts';

// Turns one exported row (column → cell) into the shape of a source record (Order, Shipment,
// Complaint, CustomerProfile): cells converted, enums canonicalised, times read in the business
// time zone. Validation proper is not done here: the result goes through the same `normalise` as
// ingest. Only what stops a cell from becoming a value at all (a non-number amount, an unreadable
// date, a missing column) is refused here, with the column named.

const columnList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

function kindOverrideSchema(kind: ImportKind) {
  const fields = Object.keys(defaultColumns[kind]);
  const byField = <T extends z.ZodType>(value: T) => z.record(z.string(), value).superRefine((record, ctx) => {
    for (const f of Object.keys(record)) {
      if (!fields.includes(f)) ctx.addIssue({ code: 'custom', path: [f], message: `unknown field "${f}" of ${kind}; the fields are ${fields.join(', ')}` });
    }
  });
  return z.strictObject({
    /** Field → the column(s) holding it, replacing the default names. */
    columns: byField(columnList).optional(),
    /** Field → a cell text used when the row has no value. */
    defaults: byField(z.string()).optional(),
    /** Field → { cell value: canonical value }, for the export's own labels. */
    values: byField(z.record(z.string(), z.string())).optional(),
  }, { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}; use columns, defaults, values` : undefined) });
}

/** The optional mapping file: per kind, overrides of the default column mapping. */
export const mappingFileSchema = z.strictObject(
  Object.fromEntries(IMPORT_KINDS.map((k) => [k, kindOverrideSchema(k).optional()])) as Record<ImportKind, z.ZodOptional<ReturnType<typeof kindOverrideSchema>>>,
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown kind(s) ${issue.keys.join(', ')}; the kinds are ${IMPORT_KINDS.join(', ')}` : undefined) },
);
export type MappingFile = z.output<typeof mappingFileSchema>;

/** The default mapping of `kind` with the file's overrides applied. */
export function effectiveSpec(kind: ImportKind, mapping: MappingFile = {}): KindSpec {
  const override = mapping[kind] ?? {};
  const spec: KindSpec = {};
  for (const [name, base] of Object.entries(defaultColumns[kind])) {
    const values = override.values?.[name];
    spec[name] = {
      ...base,
      columns: override.columns?.[name] ?? base.columns,
      default: override.defaults?.[name] ?? base.default,
      values: values ? { ...base.values, ...values } : base.values,
    };
  }
  return spec;
}

export type MapResult = { ok: true; record: Record<string, unknown> } | { ok: false; message: string };

export interface RowMapper {
  /** Fields that need a value but that no column of `columns` can give (and no default covers). */
  missingColumns(columns: string[]): string[];
  map(row: Record<string, unknown>): MapResult;
}

export function createRowMapper(kind: ImportKind, mapping: MappingFile, timeZone: string): RowMapper {
  const spec = effectiveSpec(kind, mapping);
  const lookups = new Map<string, Map<string, string>>();
  const wanted = Object.entries(spec).map(([name, field]) => [name, field, field.columns.map(columnKey)] as const);
  const valueAliases = new Map(Object.entries(spec).map(([name, field]) => [name, lowerKeys(field.values ?? {})]));

  /** Loose header name → the row's actual key; cached per set of keys (once per CSV file). */
  function lookup(row: Record<string, unknown>): Map<string, string> {
    const keys = Object.keys(row);
    const signature = keys.join('\u0000');
    let found = lookups.get(signature);
    if (!found) {
      found = new Map();
      for (const key of keys) if (!found.has(columnKey(key))) found.set(columnKey(key), key);
      if (lookups.size > 64) lookups.clear(); // JSON Lines rows may each have their own keys
      lookups.set(signature, found);
    }
    return found;
  }

  const columnOf = (keys: Map<string, string>, loose: readonly string[]) => loose.map((c) => keys.get(c)).find((k) => k !== undefined);

  return {
    missingColumns(columns) {
      const keys = new Map(columns.map((c) => [columnKey(c), c]));
      return wanted
        .filter(([, field, loose]) => !field.optional && field.default === undefined && field.fallback === undefined && columnOf(keys, loose) === undefined)
        .map(([name, field]) => `${name} (looked for ${field.columns.join(', ')})`);
    },
    map(row) {
      const keys = lookup(row);
      const record: Record<string, unknown> = {};
      const absent: Array<[string, FieldSpec]> = [];
      for (const [name, field, loose] of wanted) {
        const column = columnOf(keys, loose);
        const cell = column === undefined ? undefined : row[column];
        if (isBlank(cell)) {
          absent.push([name, field]);
          continue;
        }
        const value = convert(field, cell, valueAliases.get(name)!, timeZone);
        if (!value.ok) return { ok: false, message: `${name}: ${value.problem} (column ${column})` };
        record[name] = value.value;
      }
      // Defaults and fallbacks after the cells, so a fallback can take another field's value.
      for (const [name, field] of absent) {
        if (field.default !== undefined) {
          const value = convert(field, field.default, valueAliases.get(name)!, timeZone);
          if (!value.ok) return { ok: false, message: `${name}: default ${value.problem}` };
          record[name] = value.value;
        } else if (field.fallback !== undefined && record[field.fallback] !== undefined && record[field.fallback] !== null) {
          record[name] = record[field.fallback];
        } else if (field.optional) {
          record[name] = field.type === 'list' ? [] : null;
        } else {
          return { ok: false, message: `${name}: missing (looked for columns ${field.columns.join(', ')})` };
        }
      }
      return { ok: true, record };
    },
  };
}

type Converted = { ok: true; value: unknown } | { ok: false; problem: string };

function convert(field: FieldSpec, cell: unknown, aliases: Map<string, string>, timeZone: string): Converted {
  switch (field.type) {
    case 'text':
      if (typeof cell === 'number' || typeof cell === 'bigint') return { ok: true, value: String(cell) };
      return typeof cell === 'string' ? { ok: true, value: cell.trim() } : notA('text', cell);
    case 'code':
      return typeof cell === 'string' ? { ok: true, value: (aliases.get(cell.trim().toLowerCase()) ?? cell.trim()).toUpperCase() } : notA('code', cell);
    case 'enum':
      return typeof cell === 'string' ? { ok: true, value: canonicalEnum(aliases.get(cell.trim().toLowerCase()) ?? cell) } : notA('name', cell);
    case 'number':
      return parseNumber(cell);
    case 'time': {
      const t = parseEventTime(cell, timeZone);
      return t.ok ? { ok: true, value: t.ms } : { ok: false, problem: t.problem };
    }
    case 'list': {
      const items = Array.isArray(cell) ? cell : typeof cell === 'string' ? cell.split(/[;；、|]/) : undefined;
      if (items === undefined || items.some((i) => typeof i !== 'string')) return notA('list of names', cell);
      return { ok: true, value: (items as string[]).map((i) => i.trim()).filter(Boolean).map((i) => snakeCase(aliases.get(i.toLowerCase()) ?? valueAddedServiceNames[i] ?? i)) };
    }
  }
}

/** `in transit`, `In-Transit`, `in_transit` → IN_TRANSIT; `e-commerce` → E_COMMERCE. */
export const canonicalEnum = (text: string) => text.trim().toUpperCase().replace(/[\s-]+/g, '_');
const snakeCase = (text: string) => text.trim().toLowerCase().replace(/[\s-]+/g, '_');

/** A plain or thousands-separated decimal ("1,234.50" is common in finance exports). */
export function parseNumber(cell: unknown): Converted {
  if (typeof cell === 'number') return Number.isFinite(cell) ? { ok: true, value: cell } : { ok: false, problem: `${cell} is not a number` };
  if (typeof cell !== 'string') return notA('number', cell);
  const text = cell.trim();
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(text)) return { ok: true, value: Number(text.replace(/,/g, '')) };
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return { ok: true, value: Number(text) };
  return { ok: false, problem: `"${text}" is not a number` };
}

const isBlank = (cell: unknown) => cell === undefined || cell === null || (typeof cell === 'string' && cell.trim() === '');
const notA = (what: string, cell: unknown): Converted => ({ ok: false, problem: `expected a ${what}, got ${JSON.stringify(cell)}` });
const lowerKeys = (values: Record<string, string>) => new Map(Object.entries(values).map(([k, v]) => [k.trim().toLowerCase(), v]));
