import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { sourceContracts, topicNames, type CurrencyTable, type CustomerEvent, type DeadLetterReason, type SourceContract, type ValidationContext } from '@segmentation/contracts';
import type { ImportKind } from './columns.ts';
import { deriveEventId } from './event-id.ts';
import type { ImportLedger } from './ledger.ts';
import { createRowMapper, type MappingFile, type RowMapper } from './mapping.ts';
import { sortForLog, type PendingEvent } from './merge.ts';
import type { Progress } from './progress.ts';
import { ImportInputError, readRows, type FileFormat, type SourceRow } from './read-rows.ts';
import type { FileSummary, ImportSummary, RejectionReport } from './report.ts';

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

/**
 * Imports historical records: reads every file, validates each row with the same `normalise` as
 * ingest, skips what the ledger says an earlier run imported, and writes the rest into the log in
 * event-time order, batch by batch, recording each acknowledged batch in the ledger.
 */
export async function runImport(settings: ImportSettings, deps: ImportDeps): Promise<ImportSummary> {
  const contracts = new Map(sourceContracts(topicNames()).map((c) => [c.kind, c]));
  const ctx: ValidationContext = { currencies: settings.currencies, now: deps.now(), maxFutureSkewMs: settings.maxFutureSkewMs };
  const summary: ImportSummary = {
    dryRun: deps.log === null, rowsRead: 0, newEvents: 0, imported: 0, alreadyImported: 0, erased: 0, rejected: 0,
    rejectedByReason: {}, files: [], reportFile: settings.reportFile, ledgerSizeAtStart: deps.ledger.size,
  };
  const pending: PendingEvent[] = [];
  /** Event id → where this run first saw it: the same event twice in the exports is one event. */
  const seen = new Map<string, string>();

  const totalBytes = settings.files.reduce((sum, f) => sum + statSync(f.path).size, 0);
  const reading = deps.progress('reading', totalBytes, 'B');
  let bytesBefore = 0;
  try {
    for (const [fileIndex, file] of settings.files.entries()) {
      const fileSummary: FileSummary = { file: file.path, kind: file.kind, rows: 0, imported: 0, alreadyImported: 0, erased: 0, rejected: 0 };
      summary.files.push(fileSummary);
      const mapper = createRowMapper(file.kind, settings.mapping, settings.timeZone);
      const contract = contracts.get(contractKind[file.kind])!;
      const reject = async (line: number, reason: DeadLetterReason, message: string, row: unknown) => {
        fileSummary.rejected++;
        summary.rejected++;
        summary.rejectedByReason[reason] = (summary.rejectedByReason[reason] ?? 0) + 1;
        await deps.report.add({ file: file.path, line, kind: file.kind, reason, message, row });
      };
      const rows = readRows(file.path, file.format, {
        encoding: settings.encoding,
        onHeader: (columns) => requireColumns(file, mapper, columns),
        onBytes: (bytes) => reading.update(bytesBefore + bytes),
      });
      for await (const row of rows) {
        fileSummary.rows++;
        summary.rowsRead++;
        const raw = 'values' in row ? row.values : row.raw;
        const outcome = validateRow(file.kind, mapper, contract, row, ctx);
        if (!outcome.ok) {
          await reject(row.line, outcome.reason, outcome.message, raw);
          continue;
        }
        const { event } = outcome;
        const where = `${file.path}:${row.line}`;
        const first = seen.get(event.eventId);
        if (first !== undefined) {
          await reject(row.line, 'duplicate', `event ${event.eventId} is the same event as ${first}`, raw);
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
        pending.push({ event, kind: file.kind, fileIndex, line: row.line });
      }
      bytesBefore += statSync(file.path).size;
    }
  } finally {
    // Even when a file is refused part-way: the rows reported so far are in the report.
    reading.finish();
    await deps.report.close();
  }

  sortForLog(pending);
  summary.newEvents = pending.length;
  if (deps.log === null) return summary;

  const writing = deps.progress('writing', pending.length);
  try {
    for (let start = 0; start < pending.length; start += settings.batchSize) {
      const batch = pending.slice(start, start + settings.batchSize);
      await deps.log.write(batch.map((p) => p.event));
      // Right after the acknowledgement, in the same order: a crash between the two leaves at
      // most this one batch written but unrecorded, and the next run writes it again.
      await deps.ledger.record(batch.map((p) => ({ eventId: p.event.eventId, kind: p.kind, file: basename(settings.files[p.fileIndex]!.path), line: p.line })));
      for (const p of batch) summary.files[p.fileIndex]!.imported++;
      summary.imported += batch.length;
      writing.update(summary.imported);
    }
  } catch (err) {
    throw new ImportFailedError(summary, err);
  } finally {
    writing.finish();
  }
  return summary;
}

/**
 * Reads only the header of each CSV file and its first bytes: a missing column or a wrong
 * encoding then stops the command before it connects anywhere or reads a large ledger.
 */
export async function checkFiles(settings: Pick<ImportSettings, 'files' | 'mapping' | 'timeZone' | 'encoding'>): Promise<void> {
  for (const file of settings.files) {
    const mapper = createRowMapper(file.kind, settings.mapping, settings.timeZone);
    const rows = readRows(file.path, file.format, { encoding: settings.encoding, onHeader: (columns) => requireColumns(file, mapper, columns) });
    // The first row comes after the header check; closing the generator closes the file.
    await rows.next();
    await rows.return(undefined);
  }
}

function requireColumns(file: ImportFile, mapper: RowMapper, columns: string[]): void {
  const missing = mapper.missingColumns(columns);
  if (missing.length > 0) {
    throw new ImportInputError(`${file.path} (${file.kind}) has no column for: ${missing.join('; ')}. ` +
      'Name the columns in a mapping file (--mapping) or give defaults there; see docs/import.md');
  }
}

type RowOutcome = { ok: true; event: CustomerEvent } | { ok: false; reason: DeadLetterReason; message: string };

/** One row through conversion, id derivation and the ingest validation. */
export function validateRow(kind: ImportKind, mapper: RowMapper, contract: SourceContract, row: SourceRow, ctx: ValidationContext): RowOutcome {
  if ('problem' in row) return { ok: false, reason: 'invalid_value', message: `the row ${row.problem}` };
  const mapped = mapper.map(row.values);
  if (!mapped.ok) return { ok: false, reason: 'invalid_value', message: mapped.message };
  const record = mapped.record;
  if (record.eventId === null || record.eventId === undefined) record.eventId = deriveEventId(kind, record);
  // The key ingest would see is the customer id the source system keyed the message by.
  const result = contract.normalise(record, record.customerId as string, null, ctx);
  return result.ok ? { ok: true, event: result.value } : { ok: false, reason: result.reason, message: result.message };
}
