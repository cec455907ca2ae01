import { carryForward, createRowMapper, type CarryRow, type ImportKind, type RowMapper } from '@segmentation/mapping';
import type { ImportFile, ImportSettings } from './importer.ts';
import { ImportInputError, readRows } from './read-rows.ts';

// Before anything is written, a sample of each file shows how the export will be read: which
// field comes from which column, which fields have no column (and the names looked for), which
// labels of an enum the importer does not know, and which defaults and earlier rows would fill
// gaps, how often. A required field without a column refuses the run, whatever the format: a
// JSON Lines export has no header, so its columns are the keys its sampled rows use.

/** Rows read from the start of each file. */
export const PREFLIGHT_SAMPLE_ROWS = 1000;

export interface FieldCheck {
  field: string;
  /** Not optional, and no default or fallback: a row without it is refused. */
  required: boolean;
  /** A row without it leaves it empty. */
  optional: boolean;
  /** It says what the event is (order kind, shipment status, complaint action). */
  meaning: boolean;
  /** Update rows may take it from an earlier row of their order, shipment or complaint. */
  carry: boolean;
  /** Column → sampled rows with a value there. */
  columns: Record<string, number>;
  /** The names looked for, when no column was found. */
  lookedFor?: string[];
  /** The default in force (a mapping file's, or built in). */
  default: string | null;
  /** The field whose value it takes when the row has none (a profile's sign-up for its time). */
  fallback: string | null;
  /** Sampled rows that would take the default. */
  defaulted: number;
  /** Sampled rows that would take the field from an earlier sampled row of theirs. */
  carried: number;
  /** Sampled rows whose cell could not be read (not a number, not a time). */
  unreadable: number;
  /** Enum labels neither canonical nor known as an alias, with their count: those rows would be refused. */
  unknownValues: Record<string, number>;
}

export interface FilePreflight {
  file: string;
  kind: ImportKind;
  sampledRows: number;
  fields: FieldCheck[];
  /** Columns of the file no field reads. */
  ignoredColumns: string[];
  /** Required fields no column gives: the run is refused. */
  missing: string[];
  /**
   * Required fields of its order, shipment or complaint that no file of the kind has a column
   * for: only rows an earlier import recorded can give them (a later run's status feed).
   */
  fromEarlierImports: string[];
}

export interface Preflight {
  sampleRows: number;
  files: FilePreflight[];
}

/** The run cannot start: `preflight` says why, file by file. */
export class PreflightRefusedError extends ImportInputError {
  override name = 'PreflightRefusedError';
  readonly preflight: Preflight;
  constructor(preflight: Preflight, message: string) {
    super(message);
    this.preflight = preflight;
  }
}

type Sampled = { columns: string[]; rows: Array<{ values: Record<string, unknown>; line: number }> };

/** Samples every file; throws `PreflightRefusedError` naming every required field without a column. */
export async function preflight(
  settings: Pick<ImportSettings, 'files' | 'mapping' | 'timeZone' | 'encoding'>,
  sampleRows = PREFLIGHT_SAMPLE_ROWS,
): Promise<Preflight> {
  const samples = await Promise.all(settings.files.map((file) => sample(file, settings.encoding, sampleRows)));
  const mappers = new Map(settings.files.map((f) => [f.kind, createRowMapper(f.kind, settings.mapping, settings.timeZone)]));
  const files = settings.files.map((file, i) => checkFile(file, samples[i]!, mappers.get(file.kind)!));
  // A required field an update file lacks may come from the earlier rows of another file of the
  // kind (a shipment master and a status feed), or of an earlier import (checked once the ledger
  // is read and every row placed after its earlier rows: importer.ts).
  for (const f of files) {
    const carried = (field: string) => f.fields.find((c) => c.field === field)!.carry;
    const inAnotherFile = (field: string) =>
      files.some((other) => other.kind === f.kind && Object.keys(other.fields.find((c) => c.field === field)!.columns).length > 0);
    f.fromEarlierImports = f.missing.filter((field) => carried(field) && !inAnotherFile(field));
    f.missing = f.missing.filter((field) => !carried(field));
  }
  const report: Preflight = { sampleRows, files };
  refuseIf(
    report,
    files.filter((f) => f.missing.length > 0).map((f) => `${f.file} (${f.kind}) has no column for: ${described(f, f.missing)}`),
  );
  return report;
}

const described = (f: FilePreflight, fields: string[]) =>
  f.fields
    .filter((c) => fields.includes(c.field))
    .map((c) => `${c.field} (looked for ${c.lookedFor!.join(', ')})`)
    .join('; ');

export function refuseIf(report: Preflight, refusals: string[]): void {
  if (refusals.length === 0) return;
  throw new PreflightRefusedError(
    report,
    `${refusals.join('\n')}\nName the columns in a mapping file (--mapping: "columns"), or give a value for every row there ("defaults"); see docs/import.md`,
  );
}

async function sample(file: ImportFile, encoding: string, limit: number): Promise<Sampled> {
  let header: string[] | undefined;
  const out: Sampled = { columns: [], rows: [] };
  const rows = readRows(file.path, file.format, {
    encoding,
    onHeader: (columns) => {
      header = columns;
    },
  });
  const keys = new Set<string>();
  for await (const row of rows) {
    if ('values' in row) {
      out.rows.push(row);
      for (const k of Object.keys(row.values)) keys.add(k);
    }
    if (out.rows.length >= limit) break;
  }
  out.columns = header ?? [...keys];
  return out;
}

function checkFile(file: ImportFile, sampled: Sampled, mapper: RowMapper): FilePreflight {
  const checks = new Map<string, FieldCheck>(
    Object.entries(mapper.spec).map(([field, spec]) => [
      field,
      {
        field,
        required: !spec.optional && spec.default === undefined && spec.fallback === undefined,
        optional: spec.optional === true,
        meaning: spec.meaning === true,
        carry: spec.carry === true,
        columns: {},
        default: spec.default ?? null,
        fallback: spec.fallback ?? null,
        defaulted: 0,
        carried: 0,
        unreadable: 0,
        unknownValues: {},
      },
    ]),
  );
  const rows: CarryRow[] = sampled.rows.map((r) => ({ draft: mapper.read(r.values), fileIndex: 0, line: r.line }));
  carryForward(file.kind, mapper.spec, rows);
  const used = new Set<string>();
  for (const [i, row] of rows.entries()) {
    const { draft } = row;
    for (const [field, column] of Object.entries(mapper.columnsOf(sampled.rows[i]!.values))) {
      const check = checks.get(field)!;
      check.columns[column] = (check.columns[column] ?? 0) + 1;
      used.add(column);
    }
    for (const p of draft.problems) {
      const check = checks.get(p.field)!;
      if (p.unknownValue === undefined) check.unreadable++;
      else check.unknownValues[p.unknownValue] = (check.unknownValues[p.unknownValue] ?? 0) + 1;
    }
    const done = mapper.complete(draft, row.carried);
    for (const f of done.defaulted) checks.get(f)!.defaulted++;
    for (const f of done.carried) checks.get(f)!.carried++;
  }
  for (const check of checks.values()) {
    if (Object.keys(check.columns).length > 0) continue;
    // Columns the file has under no sampled value still count as found (an empty column).
    const column = mapper.columnOf(check.field, sampled.columns);
    if (column !== undefined) check.columns[column] = 0;
    else check.lookedFor = mapper.spec[check.field]!.columns;
  }
  for (const column of sampled.columns) if ([...checks.values()].some((c) => column in c.columns)) used.add(column);
  return {
    file: file.path,
    kind: file.kind,
    sampledRows: sampled.rows.length,
    fields: [...checks.values()],
    ignoredColumns: sampled.columns.filter((c) => !used.has(c) && c !== ''),
    missing: mapper.missingFields(sampled.columns),
    fromEarlierImports: [],
  };
}

/** The report as a table, one block per file. */
export function formatPreflight(p: Preflight): string {
  const lines: string[] = [`Pre-flight (the first ${p.sampleRows} rows of each file):`];
  for (const f of p.files) {
    lines.push('', `${f.kind} ${f.file} (${f.sampledRows} rows sampled)`);
    const rows = [['field', 'column(s)', 'rows', 'defaults', 'carried', 'notes']];
    for (const c of f.fields) {
      const found = Object.entries(c.columns);
      const notes: string[] = [];
      const named = c.meaning ? ', named in the mapping file' : '';
      if (found.length === 0) {
        notes.push(
          f.missing.includes(c.field)
            ? `MISSING: looked for ${c.lookedFor!.join(', ')}`
            : c.default !== null
              ? `not found: default ${c.default} for every row${named}`
              : c.fallback !== null
                ? `not found: ${c.fallback} instead`
                : f.fromEarlierImports.includes(c.field)
                  ? 'NOT FOUND in any file: only from earlier imports of the same order, shipment or complaint'
                  : c.carry && !c.optional
                    ? 'not found: from earlier rows of its order, shipment or complaint (another file)'
                    : 'not found',
        );
      } else if (c.default !== null) {
        notes.push(`default ${c.default} where empty${named}`);
      }
      const unknown = Object.entries(c.unknownValues).sort(([, a], [, b]) => b - a);
      if (unknown.length > 0)
        notes.push(
          `UNKNOWN values: ${unknown
            .slice(0, 8)
            .map(([v, n]) => `${JSON.stringify(v)} ×${n}`)
            .join(', ')}${unknown.length > 8 ? ', …' : ''}`,
        );
      if (c.unreadable > 0) notes.push(`${c.unreadable} unreadable`);
      rows.push([
        `${c.field}${c.optional ? '?' : ''}`,
        found.length === 0 ? '—' : found.map(([col]) => col).join(', '),
        String(found.reduce((sum, [, n]) => sum + n, 0)),
        c.defaulted > 0 ? String(c.defaulted) : '',
        c.carried > 0 ? String(c.carried) : '',
        notes.join('; '),
      ]);
    }
    const widths = rows[0]!.map((_, i) => Math.min(28, Math.max(...rows.map((r) => r[i]!.length))));
    for (const r of rows) lines.push(`  ${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd());
    if (f.ignoredColumns.length > 0) lines.push(`  columns not read: ${f.ignoredColumns.join(', ')}`);
  }
  lines.push('', '(? = optional; rows = sampled rows with a value; a field marked MISSING stops the run)');
  return lines.join('\n');
}
