import { z } from 'zod';
import { enumOptions } from './contract-schemas.ts';
import {
  columnKey,
  defaultColumns,
  entityField,
  IMPORT_KINDS,
  valueAddedServiceNames,
  type FieldSpec,
  type ImportKind,
  type KindSpec,
} from './columns.ts';
import type { RejectReason } from './reject-reason.ts';
import { parseEventTime } from './time.ts';

// Turns one exported row (column → cell) into the shape of a source record (Order, Shipment,
// Complaint, CustomerProfile): cells converted, enums canonicalised, times read in the business
// time zone. Validation proper is not done here: the result goes through the same `normalise` as
// ingest. Only what stops a cell from becoming a value at all (a non-number amount, an unreadable
// date, an enum label no alias knows, a missing column) is refused here, with the column named,
// and every such problem of a row is kept, not the first: an operator fixes an export once.

const columnList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

/** The mapping of one kind: columns, defaults and value maps (a section of the mapping file, or a live source's mapping). */
export function kindOverrideSchema(kind: ImportKind) {
  const fields = Object.keys(defaultColumns[kind]);
  const byField = <T extends z.ZodType>(value: T) =>
    z.record(z.string(), value).superRefine((record, ctx) => {
      for (const f of Object.keys(record)) {
        if (!fields.includes(f))
          ctx.addIssue({ code: 'custom', path: [f], message: `unknown field "${f}" of ${kind}; the fields are ${fields.join(', ')}` });
      }
    });
  return z.strictObject(
    {
      /** Field → the column(s) holding it, replacing the default names. */
      columns: byField(columnList).optional(),
      /** Field → a cell text used when the row has no value. */
      defaults: byField(z.string()).optional(),
      /** Field → { cell value: canonical value }, for the export's own labels. */
      values: byField(z.record(z.string(), z.string())).optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}; use columns, defaults, values` : undefined,
    },
  );
}

/** The optional mapping file: per kind, overrides of the default column mapping. */
export const mappingFileSchema = z.strictObject(
  Object.fromEntries(IMPORT_KINDS.map((k) => [k, kindOverrideSchema(k).optional()])) as Record<
    ImportKind,
    z.ZodOptional<ReturnType<typeof kindOverrideSchema>>
  >,
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `unknown kind(s) ${issue.keys.join(', ')}; the kinds are ${IMPORT_KINDS.join(', ')}` : undefined,
  },
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

/** One thing wrong with a row: a row is reported with all of them at once. */
export interface RowProblem {
  field: string;
  reason: RejectReason;
  message: string;
  /** The label of an enum cell that is neither a canonical value nor a known alias. */
  unknownValue?: string;
}

/**
 * A row read and converted, before carry-forward and defaults fill what it leaves out. A whole
 * run's drafts are held at once, so they hold no more than this: a field with neither a value nor
 * a problem is one the row leaves out.
 */
export interface RowDraft {
  /** Converted values of the fields the row has. */
  values: Record<string, unknown>;
  /** Cells that could not become a value (one shared empty list when none). */
  readonly problems: readonly RowProblem[];
}

/** Shared by every row without a problem: a run holds all its drafts at once. */
const NO_PROBLEMS: readonly RowProblem[] = Object.freeze([]);

/** Whether the row leaves the field out (no cell, or an empty one), as opposed to having a bad cell. */
export const leavesOut = (draft: RowDraft, field: string) =>
  draft.values[field] === undefined && !draft.problems.some((p) => p.field === field);

/** Values an update row may take from the earlier rows of its order, shipment or complaint. */
export interface Carried {
  values: Record<string, unknown>;
  /** Whether any earlier row of the same order, shipment or complaint exists. */
  earlierRow: boolean;
}

/** What a row without any earlier row of its order, shipment or complaint is given. */
export const NOTHING_EARLIER: Carried = Object.freeze({ values: Object.freeze({}), earlierRow: false });

export interface CompletedRow {
  record: Record<string, unknown>;
  problems: RowProblem[];
  /** Fields filled from the mapping file's (or the built-in) defaults. */
  defaulted: string[];
  /** Fields taken from an earlier row of the same order, shipment or complaint. */
  carried: string[];
}

export type MapResult = { ok: true; record: Record<string, unknown> } | { ok: false; message: string; problems: RowProblem[] };

export interface RowMapper {
  readonly spec: KindSpec;
  /** Fields that need a value but that no column of `columns` can give (and no default or fallback covers). */
  missingFields(columns: string[]): string[];
  /** The same, each with the column names looked for. */
  missingColumns(columns: string[]): string[];
  /** The column of `columns` the field is read from, if any. */
  columnOf(field: string, columns: string[]): string | undefined;
  /** Field → the column of the row its value is read from (cells with a value only). */
  columnsOf(row: Record<string, unknown>): Record<string, string>;
  read(row: Record<string, unknown>): RowDraft;
  /** Fills what the row left out: from earlier rows first, then defaults, fallbacks, empty optionals. */
  complete(draft: RowDraft, carried?: Carried): CompletedRow;
  /** `read` and `complete` with nothing carried: one row on its own. */
  map(row: Record<string, unknown>): MapResult;
}

export const describeProblems = (problems: readonly RowProblem[]) => problems.map((p) => p.message).join('; ');

export function createRowMapper(kind: ImportKind, mapping: MappingFile, timeZone: string): RowMapper {
  const spec = effectiveSpec(kind, mapping);
  const lookups = new Map<string, Map<string, string>>();
  const wanted = Object.entries(spec).map(([name, field]) => [name, field, field.columns.map(columnKey)] as const);
  const looseOf = new Map(wanted.map(([name, , loose]) => [name, loose]));
  const valueAliases = new Map(Object.entries(spec).map(([name, field]) => [name, lowerKeys(field.values ?? {})]));
  const canonical = new Map(Object.keys(spec).map((name) => [name, enumOptions(kind, name)]));
  const entity = entityField[kind];

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

  const columnIn = (keys: Map<string, string>, loose: readonly string[]) => loose.map((c) => keys.get(c)).find((k) => k !== undefined);
  const looked = (field: FieldSpec) => `looked for columns ${field.columns.join(', ')}`;

  const mapper: RowMapper = {
    spec,
    missingFields(columns) {
      const keys = new Map(columns.map((c) => [columnKey(c), c]));
      return wanted
        .filter(
          ([, field, loose]) =>
            !field.optional && field.default === undefined && field.fallback === undefined && columnIn(keys, loose) === undefined,
        )
        .map(([name]) => name);
    },
    missingColumns(columns) {
      return mapper.missingFields(columns).map((name) => `${name} (looked for ${spec[name]!.columns.join(', ')})`);
    },
    columnOf(field, columns) {
      const keys = new Map(columns.map((c) => [columnKey(c), c]));
      return columnIn(keys, looseOf.get(field) ?? []);
    },
    columnsOf(row) {
      const keys = lookup(row);
      const found: Record<string, string> = {};
      for (const [name, , loose] of wanted) {
        const column = columnIn(keys, loose);
        if (column !== undefined && !isBlank(row[column])) found[name] = column;
      }
      return found;
    },
    read(row) {
      const keys = lookup(row);
      const values: Record<string, unknown> = {};
      const problems: RowProblem[] = [];
      for (const [name, field, loose] of wanted) {
        const column = columnIn(keys, loose);
        const cell = column === undefined ? undefined : row[column];
        if (isBlank(cell)) continue;
        const value = convert(field, cell, valueAliases.get(name)!, timeZone);
        const allowed = canonical.get(name);
        if (!value.ok) {
          problems.push({ field: name, reason: 'invalid_value', message: `${name}: ${value.problem} (column ${column})` });
        } else if (allowed !== undefined && !allowed.includes(value.value as string)) {
          const label = String(cell).trim();
          problems.push({
            field: name,
            reason: 'invalid_value',
            unknownValue: label,
            message: `${name}: "${label}" is not one of ${allowed.join(', ')} (column ${column}); name its meaning in the mapping file ("values")`,
          });
        } else {
          values[name] = value.value;
        }
      }
      return { values, problems: problems.length > 0 ? problems : NO_PROBLEMS };
    },
    complete(draft, carried) {
      const done: CompletedRow = { record: { ...draft.values }, problems: [...draft.problems], defaulted: [], carried: [] };
      const { record } = done;
      const absent = Object.keys(spec).filter((name) => leavesOut(draft, name));
      // Earlier rows and defaults before fallbacks, so a fallback can take another field's value.
      for (const name of absent) {
        const field = spec[name]!;
        const earlier = field.carry ? carried?.values[name] : undefined;
        if (earlier !== undefined && earlier !== null) {
          record[name] = earlier;
          done.carried.push(name);
        } else if (field.default !== undefined) {
          const value = convert(field, field.default, valueAliases.get(name)!, timeZone);
          if (value.ok) {
            record[name] = value.value;
            done.defaulted.push(name);
          } else {
            done.problems.push({ field: name, reason: 'invalid_value', message: `${name}: default ${value.problem}` });
          }
        }
      }
      for (const name of absent) {
        if (name in record) continue;
        const field = spec[name]!;
        if (field.fallback !== undefined && record[field.fallback] !== undefined && record[field.fallback] !== null) {
          record[name] = record[field.fallback];
        } else if (field.optional) {
          record[name] = field.type === 'list' ? [] : null;
        } else if (field.carry && entity !== null && carried !== undefined && !carried.earlierRow) {
          done.problems.push({
            field: name,
            reason: 'no_earlier_row',
            message: `${name}: not in the row, and no earlier row of ${entityNoun[kind]} ${typeof record[entity] === 'string' ? record[entity] : '?'} gives it (${looked(field)})`,
          });
        } else {
          done.problems.push({ field: name, reason: 'invalid_value', message: `${name}: missing (${looked(field)})` });
        }
      }
      return done;
    },
    map(row) {
      const done = mapper.complete(mapper.read(row));
      return done.problems.length === 0
        ? { ok: true, record: done.record }
        : { ok: false, message: describeProblems(done.problems), problems: done.problems };
    },
  };
  return mapper;
}

const entityNoun: Record<ImportKind, string> = { orders: 'order', shipments: 'shipment', complaints: 'complaint', profiles: 'profile' };

type Converted = { ok: true; value: unknown } | { ok: false; problem: string };

function convert(field: FieldSpec, cell: unknown, aliases: Map<string, string>, timeZone: string): Converted {
  switch (field.type) {
    case 'text':
      if (typeof cell === 'number' || typeof cell === 'bigint') return { ok: true, value: String(cell) };
      return typeof cell === 'string' ? { ok: true, value: cell.trim() } : notA('text', cell);
    case 'code':
      return typeof cell === 'string'
        ? { ok: true, value: (aliases.get(cell.trim().toLowerCase()) ?? cell.trim()).toUpperCase() }
        : notA('code', cell);
    case 'enum':
      return typeof cell === 'string' ? { ok: true, value: canonicalEnum(aliasOf(aliases, cell) ?? cell) } : notA('name', cell);
    case 'number':
      return parseNumber(cell);
    case 'time': {
      const t = parseEventTime(cell, timeZone);
      return t.ok ? { ok: true, value: t.ms } : { ok: false, problem: t.problem };
    }
    case 'list': {
      const items = Array.isArray(cell) ? cell : typeof cell === 'string' ? cell.split(/[;；、|]/) : undefined;
      if (items === undefined || items.some((i) => typeof i !== 'string')) return notA('list of names', cell);
      return {
        ok: true,
        value: (items as string[])
          .map((i) => i.trim())
          .filter(Boolean)
          .map((i) => snakeCase(aliases.get(i.toLowerCase()) ?? valueAddedServiceNames[i] ?? i)),
      };
    }
  }
}

/** `in transit`, `In-Transit`, `in_transit` → IN_TRANSIT; `e-commerce` → E_COMMERCE. */
export const canonicalEnum = (text: string) =>
  text
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
const snakeCase = (text: string) =>
  text
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

/** A plain or thousands-separated decimal ("1,234.50" is common in finance exports). */
export function parseNumber(cell: unknown): Converted {
  if (typeof cell === 'number')
    return Number.isFinite(cell) ? { ok: true, value: cell } : { ok: false, problem: `${cell} is not a number` };
  if (typeof cell !== 'string') return notA('number', cell);
  const text = cell.trim();
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(text)) return { ok: true, value: Number(text.replace(/,/g, '')) };
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return { ok: true, value: Number(text) };
  return { ok: false, problem: `"${text}" is not a number` };
}

const isBlank = (cell: unknown) => cell === undefined || cell === null || (typeof cell === 'string' && cell.trim() === '');
const notA = (what: string, cell: unknown): Converted => ({ ok: false, problem: `expected a ${what}, got ${JSON.stringify(cell)}` });
const lowerKeys = (values: Record<string, string>) => new Map(Object.entries(values).map(([k, v]) => [k.trim().toLowerCase(), v]));
/** A label as written (`Ocean Freight`), or in its snake form (`ocean_freight`). */
const aliasOf = (aliases: Map<string, string>, cell: string) =>
  aliases.get(cell.trim().toLowerCase()) ??
  aliases.get(
    cell
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_'),
  );
