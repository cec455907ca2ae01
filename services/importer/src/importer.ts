import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { bodyOf, sourceContracts, topicNames, type CurrencyTable, type CustomerEvent, type SourceContract, type ValidationContext } from '@segmentation/contracts';
import { carryFields, carryForward, entityKey, type CarryRow } from './carry-forward.ts';
import { entityField, IMPORT_KINDS, meaningField, type ImportKind, type KindSpec } from './columns.ts';
import type { ImportLedger, LedgerEntry } from './ledger.ts';
import { createRowMapper, type MappingFile, type RowMapper, type RowProblem } from './mapping.ts';
import { sortForLog, type PendingEvent } from './merge.ts';
import { refuseIf, type Preflight } from './preflight.ts';
import type { Progress } from './progress.ts';
import { readRows, type FileFormat } from './read-rows.ts';
import { totalsByKind, type FileSummary, type ImportSummary, type RejectionReport, type RejectReason } from './report.ts';
import { validateRecord } from './row-validation.ts';

export interface ImportFile {
  kind: ImportKind;
  path: string;
  format: FileFormat;
}

export interface ImportSettings {
  /** Their order breaks ties of event time and kind (merge.ts). */
  files: ImportFile[];
  mapping: MappingFile;
  /** The business time zone: times without an offset are its wall-clock times. */
  timeZone: string;
  encoding: string;
  /** Records per send to `customer-events`: also the most a crash can write twice (see ledger). */
  batchSize: number;
  currencies: CurrencyTable;
  maxFutureSkewMs: number;
  reportFile: string | null;
}

/** Where accepted events go; `CustomerEventLogWriter` in production. Resolves once acknowledged. */
export interface EventLog {
  write(events: CustomerEvent[]): Promise<void>;
}

export interface ImportDeps {
  /** null: a dry run, which validates and reports but writes nothing. */
  log: EventLog | null;
  ledger: ImportLedger;
  report: RejectionReport;
  /** Wall clock, for the future-skew check only (as at ingest). */
  now: () => number;
  /** Customers on the erasure list: their rows are not imported (docs/operations.md, "Customer erasure"). */
  erased?: (customerId: string) => boolean;
  progress: (label: string, total: number, unit?: string) => Progress;
  /** The pre-flight report, shown again when the run is refused after reading the ledger. */
  preflight?: Preflight;
}

/** The run stopped part-way (Kafka refused a batch): `summary` says what was written before. */
export class ImportFailedError extends Error {
  override name = 'ImportFailedError';
  readonly summary: ImportSummary;
  constructor(summary: ImportSummary, cause: unknown) {
    super(`import stopped after ${summary.imported} of ${summary.newEvents} new events (${cause instanceof Error ? cause.message : String(cause)}). ` +
      'Re-run the same command to continue: the events written are in the ledger and are skipped.', { cause });
    this.summary = summary;
  }
}

const contractKind: Record<ImportKind, SourceContract['kind']> = { orders: 'order', shipments: 'shipment', complaints: 'complaint', profiles: 'profile' };

/** A row as read, before carry-forward: the drafts of all files are needed before any row is judged. */
interface ReadRow extends CarryRow {
  raw: unknown;
  /** The line is not a row at all (bad JSON, a broken quote). */
  unreadable?: string;
}

/**
 * Imports historical records: reads every file, fills what update rows leave out from the
 * earlier rows of their order, shipment or complaint, validates each row with the same
 * `normalise` as ingest, skips what the ledger says an earlier run imported, and writes the rest
 * into the log in event-time order, batch by batch, recording each acknowledged batch in the ledger.
 */
export async function runImport(settings: ImportSettings, deps: ImportDeps): Promise<ImportSummary> {
  const contracts = new Map(sourceContracts(topicNames()).map((c) => [c.kind, c]));
  const ctx: ValidationContext = { currencies: settings.currencies, now: deps.now(), maxFutureSkewMs: settings.maxFutureSkewMs };
  const summary: ImportSummary = {
    dryRun: deps.log === null, rowsRead: 0, newEvents: 0, imported: 0, alreadyImported: 0, erased: 0, rejected: 0,
    rejectedByReason: {}, files: [], kinds: {}, reportFile: settings.reportFile, ledgerSizeAtStart: deps.ledger.size,
  };
  const mappers = new Map(IMPORT_KINDS.map((kind) => [kind, createRowMapper(kind, settings.mapping, settings.timeZone)]));
  const pending: PendingEvent[] = [];
  /** Event id → where this run first saw it: the same event twice in the exports is one event. */
  const seen = new Map<string, string>();

  try {
    const read = await readAll(settings, mappers, deps);
    const refusals: string[] = [];
    for (const kind of IMPORT_KINDS) {
      const rows = read.flatMap((fileRows) => fileRows.filter((r) => r.unreadable === undefined && settings.files[r.fileIndex]!.kind === kind));
      carryForward(kind, mappers.get(kind)!.spec, rows, (entity) => deps.ledger.carried(entity));
      // A dry run does not read earlier imports: it reports such rows one by one instead.
      if (deps.log !== null) refusals.push(...ungivenFields(kind, mappers.get(kind)!.spec, rows, settings.files));
    }
    refuseIf(deps.preflight ?? { sampleRows: 0, files: [] }, refusals);
    for (const [fileIndex, file] of settings.files.entries()) {
      const fileSummary: FileSummary = {
        file: file.path, kind: file.kind, rows: 0, imported: 0, alreadyImported: 0, erased: 0, rejected: 0,
        rejectedByReason: {}, defaults: {}, carriedForward: {}, events: {},
      };
      summary.files.push(fileSummary);
      const mapper = mappers.get(file.kind)!;
      const contract = contracts.get(contractKind[file.kind])!;
      const reject = async (line: number, reason: RejectReason, message: string, row: unknown, problems?: RowProblem[]) => {
        fileSummary.rejected++;
        summary.rejected++;
        fileSummary.rejectedByReason[reason] = (fileSummary.rejectedByReason[reason] ?? 0) + 1;
        summary.rejectedByReason[reason] = (summary.rejectedByReason[reason] ?? 0) + 1;
        await deps.report.add({ file: file.path, line, kind: file.kind, reason, message, ...(problems ? { problems } : {}), row });
      };
      const rows = read[fileIndex]!;
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        // Judged rows are let go as the events they became pile up: the peak stays one copy of the run.
        rows[i] = RELEASED;
        fileSummary.rows++;
        summary.rowsRead++;
        if (row.unreadable !== undefined) {
          await reject(row.line, 'invalid_value', `the row ${row.unreadable}`, row.raw);
          continue;
        }
        const done = mapper.complete(row.draft, row.carried);
        const outcome = validateRecord(file.kind, done.record, done.problems, contract, ctx);
        if (!outcome.ok) {
          await reject(row.line, outcome.reason, outcome.message, row.raw, outcome.problems);
          continue;
        }
        const { event } = outcome;
        const where = `${file.path}:${row.line}`;
        const first = seen.get(event.eventId);
        if (first !== undefined) {
          await reject(row.line, 'duplicate', `event ${event.eventId} is the same event as ${first}`, row.raw);
          continue;
        }
        seen.set(event.eventId, where);
        if (deps.erased?.(event.customerId)) {
          fileSummary.erased++;
          summary.erased++;
          continue;
        }
        if (deps.ledger.has(event.eventId)) {
          fileSummary.alreadyImported++;
          summary.alreadyImported++;
          continue;
        }
        count(fileSummary.defaults, done.defaulted);
        count(fileSummary.carriedForward, done.carried);
        const meaning = meaningField[file.kind];
        count(fileSummary.events, [meaning === null ? 'PROFILE' : String(done.record[meaning])]);
        pending.push({ event, kind: file.kind, fileIndex, line: row.line });
      }
    }
  } finally {
    // Even when a file is refused part-way: the rows reported so far are in the report.
    await deps.report.close();
  }

  sortForLog(pending);
  summary.newEvents = pending.length;
  summary.kinds = totalsByKind(summary.files);
  if (deps.log === null) return summary;

  const writing = deps.progress('writing', pending.length);
  try {
    for (let start = 0; start < pending.length; start += settings.batchSize) {
      const batch = pending.slice(start, start + settings.batchSize);
      await deps.log.write(batch.map((p) => p.event));
      // Right after the acknowledgement, in the same order: a crash between the two leaves at
      // most this one batch written but unrecorded, and the next run writes it again.
      await deps.ledger.record(batch.map((p) => ({
        eventId: p.event.eventId, kind: p.kind, file: basename(settings.files[p.fileIndex]!.path), line: p.line, ...carryToKeep(p.kind, mappers.get(p.kind)!.spec, p.event),
      })));
      for (const p of batch) summary.files[p.fileIndex]!.imported++;
      summary.imported += batch.length;
      summary.kinds = totalsByKind(summary.files);
      writing.update(summary.imported);
    }
  } catch (err) {
    throw new ImportFailedError(summary, err);
  } finally {
    writing.finish();
  }
  return summary;
}

/** Every row of every file, read and converted (the progress bar counts bytes). */
async function readAll(settings: ImportSettings, mappers: Map<ImportKind, RowMapper>, deps: ImportDeps): Promise<ReadRow[][]> {
  const totalBytes = settings.files.reduce((sum, f) => sum + statSync(f.path).size, 0);
  const reading = deps.progress('reading', totalBytes, 'B');
  let bytesBefore = 0;
  const out: ReadRow[][] = [];
  try {
    for (const [fileIndex, file] of settings.files.entries()) {
      const mapper = mappers.get(file.kind)!;
      const rows: ReadRow[] = [];
      for await (const row of readRows(file.path, file.format, { encoding: settings.encoding, onBytes: (bytes) => reading.update(bytesBefore + bytes) })) {
        if ('problem' in row) rows.push({ draft: { values: {}, problems: [] }, fileIndex, line: row.line, raw: row.raw, unreadable: row.problem });
        else rows.push({ draft: mapper.read(row.values), fileIndex, line: row.line, raw: row.values });
      }
      out.push(rows);
      bytesBefore += statSync(file.path).size;
    }
  } finally {
    reading.finish();
  }
  return out;
}

function count(counts: Record<string, number>, keys: string[]): void {
  for (const k of keys) counts[k] = (counts[k] ?? 0) + 1;
}

/** The carry-forward fields of an imported event, for the ledger: what later runs' update rows may take. */
function carryToKeep(kind: ImportKind, spec: KindSpec, event: CustomerEvent): Pick<LedgerEntry, 'carry'> {
  const idField = entityField[kind];
  const body = bodyOf(event) as Record<string, unknown> & { kind: string };
  const record = body[body.kind] as Record<string, unknown> | undefined;
  const id = idField === null ? undefined : record?.[idField];
  if (record === undefined || typeof id !== 'string') return {};
  // The record carries the same field names as the export's mapping (contracts' records).
  const fields = Object.fromEntries(carryFields(spec).filter((f) => record[f] !== null && record[f] !== undefined).map((f) => [f, record[f]]));
  return Object.keys(fields).length > 0 ? { carry: { entity: entityKey(kind, event.customerId, id), eventTime: event.eventTime, fields } } : {};
}

/**
 * Required fields of an order, shipment or complaint that no row of the kind has, and no earlier
 * import gives to any of them (a tracking feed of shipments never imported): every row would be
 * refused, so the run is, before anything is written.
 */
function ungivenFields(kind: ImportKind, spec: KindSpec, rows: ReadRow[], files: ImportFile[]): string[] {
  if (rows.length === 0) return [];
  const required = carryFields(spec).filter((f) => !spec[f]!.optional && spec[f]!.default === undefined);
  const never = required.filter((f) => !rows.some((r) => r.draft.values[f] !== undefined || r.carried?.values[f] !== undefined));
  if (never.length === 0) return [];
  const paths = [...new Set(rows.map((r) => files[r.fileIndex]!.path))].join(', ');
  return [`${paths} (${kind}) has no column for: ${never.map((f) => `${f} (looked for ${spec[f]!.columns.join(', ')})`).join('; ')}, and no earlier import of these ${kind} gives it`];
}

const RELEASED: ReadRow = { draft: { values: {}, problems: [] }, fileIndex: -1, line: 0, raw: null };
