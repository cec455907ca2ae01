import { statSync } from 'node:fs';
import { basename } from 'node:path';
import {
  bodyOf,
  sourceContracts,
  topicNames,
  type CurrencyTable,
  type CustomerEvent,
  type SourceContract,
  type ValidationContext,
} from '@segmentation/contracts';
import {
  CarryAlong,
  carryFields,
  createRowMapper,
  entityField,
  entityKey,
  entityOf,
  HAS_EARLIER,
  IMPORT_KINDS,
  meaningField,
  NOTHING_EARLIER,
  validateRecord,
  type Carried,
  type ImportKind,
  type KindSpec,
  type MappingFile,
  type RejectReason,
  type RowDraft,
  type RowProblem,
} from '@segmentation/mapping';
import { ExternalSort, withSpillFolder } from './external-sort.ts';
import type { ImportLedger, LedgerEntry } from './ledger.ts';
import { SqliteSeenEvents } from './ledger-index.ts';
import { compareForLog, type PendingEvent } from './merge.ts';
import { refuseIf, type Preflight } from './preflight.ts';
import type { Progress } from './progress.ts';
import { readRows, type FileFormat, type SourceRow } from './read-rows.ts';
import { totalsByKind, type ImportSummary, type RejectionReport } from './report.ts';

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
  /** Where the run's spill folder is made (sorted runs, indexes): the system's temporary folder by default. */
  tempDir?: string;
  /** Rows held in memory per sorted run before it is spilled to the spill folder (DEFAULT_SORT_RUN_ROWS). */
  sortRunRows?: number;
}

/** Rows per sorted run: the rows of one run are the most any sort holds in memory. */
export const DEFAULT_SORT_RUN_ROWS = 50_000;

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
    super(
      `import stopped after ${summary.imported} of ${summary.newEvents} new events (${cause instanceof Error ? cause.message : String(cause)}). ` +
        'Re-run the same command to continue: the events written are in the ledger and are skipped.',
      { cause },
    );
    this.summary = summary;
  }
}

const contractKind: Record<ImportKind, SourceContract['kind']> = {
  orders: 'order',
  shipments: 'shipment',
  complaints: 'complaint',
  profiles: 'profile',
};

// Rows travel through the run in three passes over sorts that spill to disk, so memory stays
// bounded whatever the size and the order of the files:
// 1. read every file: each row of an order, shipment or complaint leaves its carry-forward fields,
//    sorted by that order, shipment or complaint and event time;
// 2. walk them in that order, deciding what each row takes from the rows before it (and from
//    earlier imports): the answers are sorted back into file and line order;
// 3. read every file again, in file and line order as before, join each row with its answer,
//    validate it and report it; the accepted events are sorted by `compareForLog`;
// then the events are written in that order, batch by batch.

/** A row's carry-forward fields, sorted by its order, shipment or complaint, then event time, file, line. */
interface CarryItem {
  /** entityKey */
  e: string;
  k: ImportKind;
  t: number;
  f: number;
  l: number;
  /** The row's values of the carry-forward fields (null included: a value given as empty). */
  v: Record<string, unknown>;
  /** Carry-forward fields whose cell could not be read: not "left out", so never filled. */
  p?: string[];
}

/** What a row takes from earlier rows: 0 nothing and no earlier row, 1 nothing but an earlier row exists. */
interface CarriedItem {
  f: number;
  l: number;
  c: 0 | 1 | Carried;
}

/** An accepted event waiting for its place in the log, with what the ledger keeps of it. */
interface LogItem extends PendingEvent {
  carry?: LedgerEntry['carry'];
}

const compareCarry = (a: CarryItem, b: CarryItem) => (a.e < b.e ? -1 : a.e > b.e ? 1 : 0) || a.t - b.t || a.f - b.f || a.l - b.l;
const compareAtPosition = (a: CarriedItem, b: CarriedItem) => a.f - b.f || a.l - b.l;

/**
 * Imports historical records: reads every file, fills what update rows leave out from the
 * earlier rows of their order, shipment or complaint, validates each row with the same
 * `normalise` as ingest, skips what the ledger says an earlier run imported, and writes the rest
 * into the log in event-time order, batch by batch, recording each acknowledged batch in the ledger.
 * Its temporary files live in a spill folder that is removed at the end, whether the run succeeded or not.
 */
export async function runImport(settings: ImportSettings, deps: ImportDeps): Promise<ImportSummary> {
  try {
    return await withSpillFolder(settings.tempDir, (folder) => importWith(folder.path, settings, deps));
  } finally {
    // Even when a file is refused part-way: the rows reported so far are in the report.
    await deps.report.close();
  }
}

async function importWith(spill: string, settings: ImportSettings, deps: ImportDeps): Promise<ImportSummary> {
  const contracts = new Map(sourceContracts(topicNames()).map((c) => [c.kind, c]));
  const ctx: ValidationContext = { currencies: settings.currencies, now: deps.now(), maxFutureSkewMs: settings.maxFutureSkewMs };
  const summary: ImportSummary = {
    dryRun: deps.log === null,
    rowsRead: 0,
    newEvents: 0,
    imported: 0,
    alreadyImported: 0,
    erased: 0,
    rejected: 0,
    rejectedByReason: {},
    files: [],
    kinds: {},
    reportFile: settings.reportFile,
    ledgerSizeAtStart: deps.ledger.size,
  };
  const runRows = settings.sortRunRows ?? DEFAULT_SORT_RUN_ROWS;
  const mappers = new Map(IMPORT_KINDS.map((kind) => [kind, createRowMapper(kind, settings.mapping, settings.timeZone)]));
  const carried = new Map(IMPORT_KINDS.map((kind) => [kind, carryFields(mappers.get(kind)!.spec)]));

  // 1. Carry-forward fields by order, shipment or complaint; and which fields any row of a kind gives.
  const byEntity = new ExternalSort<CarryItem>(spill, 'carry', compareCarry, runRows);
  const given = new Map(IMPORT_KINDS.map((kind) => [kind, new Set<string>()]));
  /** Files with a readable row, per kind: named when the run is refused. */
  const readFiles = new Map(IMPORT_KINDS.map((kind) => [kind, new Set<number>()]));
  await eachRow(settings, deps, 'reading', async (fileIndex, file, row) => {
    if (!('values' in row)) return;
    const draft = mappers.get(file.kind)!.read(row.values);
    readFiles.get(file.kind)!.add(fileIndex);
    const fields = carried.get(file.kind)!;
    for (const f of fields) if (draft.values[f] !== undefined) given.get(file.kind)!.add(f);
    const entity = fields.length === 0 ? undefined : entityOf(file.kind, draft);
    if (entity === undefined) return;
    const v: Record<string, unknown> = {};
    for (const f of fields) if (draft.values[f] !== undefined) v[f] = draft.values[f];
    const p = draft.problems.filter((problem) => fields.includes(problem.field)).map((problem) => problem.field);
    await byEntity.add({
      e: entity,
      k: file.kind,
      t: draft.values.eventTime as number,
      f: fileIndex,
      l: row.line,
      v,
      ...(p.length > 0 ? { p } : {}),
    });
  });

  // 2. What each row takes from the rows before it, back in file and line order.
  const atPosition = new ExternalSort<CarriedItem>(spill, 'carried', compareAtPosition, runRows);
  let entity: string | undefined;
  let along: CarryAlong | undefined;
  for await (const item of byEntity.sorted()) {
    if (item.e !== entity) {
      entity = item.e;
      along = new CarryAlong(carried.get(item.k)!, deps.ledger.carried(item.e));
    }
    const draft: RowDraft = { values: item.v, problems: (item.p ?? []).map((field) => ({ field, reason: 'invalid_value', message: '' })) };
    const c = along!.next(draft);
    for (const f of Object.keys(c.values)) given.get(item.k)!.add(f);
    await atPosition.add({ f: item.f, l: item.l, c: c === NOTHING_EARLIER ? 0 : c === HAS_EARLIER ? 1 : c });
  }

  // A dry run does not read earlier imports: it reports such rows one by one instead.
  const refusals =
    deps.log === null
      ? []
      : IMPORT_KINDS.flatMap((kind) =>
          ungivenFields(
            kind,
            mappers.get(kind)!.spec,
            given.get(kind)!,
            [...readFiles.get(kind)!].map((i) => settings.files[i]!.path),
          ),
        );
  refuseIf(deps.preflight ?? { sampleRows: 0, files: [] }, refusals);

  // 3. Every row judged, in file and line order; the accepted events sorted into log order.
  const forLog = new ExternalSort<LogItem>(spill, 'log', compareForLog, runRows);
  const seen = new SqliteSeenEvents(spill);
  const answers = joinAnswers(atPosition.sorted());
  try {
    summary.files = settings.files.map((file) => ({
      file: file.path,
      kind: file.kind,
      rows: 0,
      imported: 0,
      alreadyImported: 0,
      erased: 0,
      rejected: 0,
      rejectedByReason: {},
      defaults: {},
      carriedForward: {},
      events: {},
    }));
    await eachRow(settings, deps, 'checking', async (fileIndex, file, row) => {
      const fs = summary.files[fileIndex]!;
      const reject = async (reason: RejectReason, message: string, raw: unknown, problems?: RowProblem[]) => {
        fs.rejected++;
        summary.rejected++;
        fs.rejectedByReason[reason] = (fs.rejectedByReason[reason] ?? 0) + 1;
        summary.rejectedByReason[reason] = (summary.rejectedByReason[reason] ?? 0) + 1;
        await deps.report.add({
          file: file.path,
          line: row.line,
          kind: file.kind,
          reason,
          message,
          ...(problems ? { problems } : {}),
          row: raw,
        });
      };
      fs.rows++;
      summary.rowsRead++;
      if (!('values' in row)) {
        await reject('invalid_value', `the row ${row.problem}`, row.raw);
        return;
      }
      const mapper = mappers.get(file.kind)!;
      const done = mapper.complete(mapper.read(row.values), await answers.at(fileIndex, row.line));
      const outcome = validateRecord(file.kind, done.record, done.problems, contracts.get(contractKind[file.kind])!, ctx);
      if (!outcome.ok) {
        await reject(outcome.reason, outcome.message, row.values, outcome.problems);
        return;
      }
      const { event } = outcome;
      const first = seen.firstSeen(event.eventId, fileIndex, row.line);
      if (first !== undefined) {
        await reject(
          'duplicate',
          `event ${event.eventId} is the same event as ${settings.files[first.file]!.path}:${first.line}`,
          row.values,
        );
        return;
      }
      if (deps.erased?.(event.customerId)) {
        fs.erased++;
        summary.erased++;
        return;
      }
      if (deps.ledger.has(event.eventId)) {
        fs.alreadyImported++;
        summary.alreadyImported++;
        return;
      }
      count(fs.defaults, done.defaulted);
      count(fs.carriedForward, done.carried);
      const meaning = meaningField[file.kind];
      count(fs.events, [meaning === null ? 'PROFILE' : String(done.record[meaning])]);
      await forLog.add({ event, kind: file.kind, fileIndex, line: row.line, ...carryToKeep(file.kind, mapper.spec, event) });
    });
  } finally {
    seen.close();
    await answers.close();
  }

  summary.newEvents = forLog.size;
  summary.kinds = totalsByKind(summary.files);
  if (deps.log === null) return summary;
  const log = deps.log;

  const writing = deps.progress('writing', summary.newEvents);
  try {
    let batch: LogItem[] = [];
    const send = async () => {
      await log.write(batch.map((p) => p.event));
      // Right after the acknowledgement, in the same order: a crash between the two leaves at
      // most this one batch written but unrecorded, and the next run writes it again.
      await deps.ledger.record(
        batch.map((p) => ({
          eventId: p.event.eventId,
          kind: p.kind,
          file: basename(settings.files[p.fileIndex]!.path),
          line: p.line,
          ...(p.carry ? { carry: p.carry } : {}),
        })),
      );
      for (const p of batch) summary.files[p.fileIndex]!.imported++;
      summary.imported += batch.length;
      summary.kinds = totalsByKind(summary.files);
      writing.update(summary.imported);
      batch = [];
    };
    for await (const item of forLog.sorted()) {
      batch.push(item);
      if (batch.length >= settings.batchSize) await send();
    }
    if (batch.length > 0) await send();
  } catch (err) {
    throw new ImportFailedError(summary, err);
  } finally {
    writing.finish();
  }
  return summary;
}

/** Every row of every file, in file and line order, to `onRow` (the progress bar counts bytes). */
async function eachRow(
  settings: ImportSettings,
  deps: ImportDeps,
  label: string,
  onRow: (fileIndex: number, file: ImportFile, row: SourceRow) => Promise<void>,
): Promise<void> {
  const totalBytes = settings.files.reduce((sum, f) => sum + statSync(f.path).size, 0);
  const progress = deps.progress(label, totalBytes, 'B');
  let bytesBefore = 0;
  try {
    for (const [fileIndex, file] of settings.files.entries()) {
      for await (const row of readRows(file.path, file.format, {
        encoding: settings.encoding,
        onBytes: (bytes) => progress.update(bytesBefore + bytes),
      })) {
        await onRow(fileIndex, file, row);
      }
      bytesBefore += statSync(file.path).size;
    }
  } finally {
    progress.finish();
  }
}

/**
 * The answers of pass 2 in file and line order, joined with the rows of pass 3 as they come: a
 * row without an answer belongs to no order, shipment or complaint (a profile, a row without id).
 */
function joinAnswers(items: AsyncGenerator<CarriedItem>) {
  let next: CarriedItem | undefined;
  let started = false;
  let ended = false;
  const advance = async () => {
    const r = await items.next();
    ended = r.done === true;
    next = r.done ? undefined : r.value;
  };
  return {
    async at(fileIndex: number, line: number): Promise<Carried | undefined> {
      if (!started) {
        started = true;
        await advance();
      }
      while (!ended && next !== undefined && (next.f < fileIndex || (next.f === fileIndex && next.l < line))) await advance();
      if (next === undefined || next.f !== fileIndex || next.l !== line) return undefined;
      const { c } = next;
      await advance();
      return c === 0 ? NOTHING_EARLIER : c === 1 ? HAS_EARLIER : c;
    },
    close: async () => {
      await items.return(undefined);
    },
  };
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
  const fields = Object.fromEntries(
    carryFields(spec)
      .filter((f) => record[f] !== null && record[f] !== undefined)
      .map((f) => [f, record[f]]),
  );
  return Object.keys(fields).length > 0
    ? { carry: { entity: entityKey(kind, event.customerId, id), eventTime: event.eventTime, fields } }
    : {};
}

/**
 * Required fields of an order, shipment or complaint that no row of the kind has, and no earlier
 * import gives to any of them (a tracking feed of shipments never imported): every row would be
 * refused, so the run is, before anything is written. `given`: the fields some row has or takes;
 * `paths`: the files of the kind with a readable row.
 */
function ungivenFields(kind: ImportKind, spec: KindSpec, given: Set<string>, paths: string[]): string[] {
  if (paths.length === 0) return [];
  const required = carryFields(spec).filter((f) => !spec[f]!.optional && spec[f]!.default === undefined);
  const never = required.filter((f) => !given.has(f));
  if (never.length === 0) return [];
  return [
    `${paths.join(', ')} (${kind}) has no column for: ${never.map((f) => `${f} (looked for ${spec[f]!.columns.join(', ')})`).join('; ')}, and no earlier import of these ${kind} gives it`,
  ];
}
