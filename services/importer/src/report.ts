import { appendFile, writeFile } from 'node:fs/promises';
import type { ImportKind, RejectReason, RowProblem } from '@segmentation/mapping';
import type { Preflight } from './preflight.ts';

// The rejection report: one JSON line per refused row, with what an operator needs to fix it in
// the export and re-run (file, line, reason code, message, and the row as read). It is a local
// file for the operator, not a log: rows hold customer data and never go to the logs.

export interface Rejection {
  file: string;
  line: number;
  kind: ImportKind;
  /** The reason of the row's first problem. */
  reason: RejectReason;
  /** Every problem of the row, joined. */
  message: string;
  problems?: RowProblem[];
  row: unknown;
}

export interface RejectionReport {
  add(rejection: Rejection): Promise<void>;
  close(): Promise<void>;
}

const FLUSH_LINES = 1000;

/** Writes rejections to `path` (replacing an older report there), buffered. */
export async function createRejectionReport(path: string): Promise<RejectionReport> {
  await writeFile(path, '');
  let buffer: string[] = [];
  const flush = async () => {
    if (buffer.length === 0) return;
    const text = buffer.join('');
    buffer = [];
    await appendFile(path, text);
  };
  return {
    async add(rejection) {
      buffer.push(JSON.stringify(rejection) + '\n');
      if (buffer.length >= FLUSH_LINES) await flush();
    },
    close: flush,
  };
}

/** A report kept in memory (unit tests). */
export function memoryReport(): RejectionReport & { rejections: Rejection[] } {
  const rejections: Rejection[] = [];
  return {
    rejections,
    add: (r) => {
      rejections.push(r);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

export interface FileSummary {
  file: string;
  kind: ImportKind;
  rows: number;
  imported: number;
  alreadyImported: number;
  /** Valid rows of customers on the erasure list, not imported. */
  erased: number;
  rejected: number;
  rejectedByReason: Partial<Record<RejectReason, number>>;
  /** Field → new events that took it from a default (the mapping file's, or a built-in one). */
  defaults: Record<string, number>;
  /** Field → new events that took it from an earlier row of the same order, shipment or complaint. */
  carriedForward: Record<string, number>;
  /** New events by what they are: order kind, shipment status or complaint action (profiles: PROFILE). */
  events: Record<string, number>;
}

export interface ImportSummary {
  dryRun: boolean;
  rowsRead: number;
  /** Valid rows whose event is not in the ledger: what this run writes (or would, in a dry run). */
  newEvents: number;
  imported: number;
  alreadyImported: number;
  /** Valid rows of customers on the erasure list, not imported. */
  erased: number;
  rejected: number;
  rejectedByReason: Partial<Record<RejectReason, number>>;
  files: FileSummary[];
  /** The files of each kind added up (what `files` says, per kind). */
  kinds: Partial<Record<ImportKind, Omit<FileSummary, 'file' | 'kind'>>>;
  /** What the sample of each file showed before the run (columns found, unknown values, defaults). */
  preflight?: Preflight;
  reportFile: string | null;
  /** Events already in the ledger when the run started. */
  ledgerSizeAtStart: number;
}

/** Adds the files of each kind up; in a dry run `imported` stays 0, as in the files. */
export function totalsByKind(files: FileSummary[]): ImportSummary['kinds'] {
  const kinds: ImportSummary['kinds'] = {};
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
  };
  for (const { file: _, kind, ...f } of files) {
    const total = (kinds[kind] ??= {
      rows: 0,
      imported: 0,
      alreadyImported: 0,
      erased: 0,
      rejected: 0,
      rejectedByReason: {},
      defaults: {},
      carriedForward: {},
      events: {},
    });
    total.rows += f.rows;
    total.imported += f.imported;
    total.alreadyImported += f.alreadyImported;
    total.erased += f.erased;
    total.rejected += f.rejected;
    add(total.rejectedByReason, f.rejectedByReason);
    add(total.defaults, f.defaults);
    add(total.carriedForward, f.carriedForward);
    add(total.events, f.events);
  }
  return kinds;
}

/** The summary as an operator reads it at the end of a run. */
export function formatSummary(s: ImportSummary): string {
  const lines = [
    s.dryRun ? 'Dry run: nothing was written.' : 'Import finished.',
    `  rows read          ${s.rowsRead}`,
    s.dryRun ? `  would import       ${s.newEvents}` : `  imported           ${s.imported}`,
    `  already imported   ${s.alreadyImported}${s.dryRun ? ' (a dry run does not read the ledger)' : ''}`,
    ...(s.erased > 0 ? [`  erased customers   ${s.erased} (on the erasure list: not imported)`] : []),
    `  rejected           ${s.rejected}`,
    ...Object.entries(s.rejectedByReason)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([reason, n]) => `    ${reason.padEnd(18)} ${n}`),
    '  per file:',
  ];
  // Per kind only when a kind has several files; otherwise its one file says it all.
  const several = Object.entries(s.kinds).filter(([kind]) => s.files.filter((f) => f.kind === kind).length > 1);
  const blocks = [...s.files, ...several.map(([kind, totals]) => ({ ...totals, kind: kind as ImportKind, file: `all ${kind} files` }))];
  for (const f of blocks) {
    const written = s.dryRun ? f.rows - f.rejected - f.alreadyImported - f.erased : f.imported;
    lines.push(
      `    ${f.kind.padEnd(10)} ${f.file}: ${f.rows} rows, ${s.dryRun ? 'new' : 'imported'} ${written}, already imported ${f.alreadyImported}, rejected ${f.rejected}`,
    );
    const counts = (label: string, c: Record<string, number>) => {
      const entries = Object.entries(c).sort(([a], [b]) => a.localeCompare(b));
      if (entries.length > 0) lines.push(`      ${label.padEnd(16)} ${entries.map(([k, n]) => `${k} ${n}`).join(', ')}`);
    };
    counts('events', f.events);
    counts('rejected', f.rejectedByReason);
    counts('defaults used', f.defaults);
    counts('carried forward', f.carriedForward);
  }
  if (s.dryRun && (s.rejectedByReason.no_earlier_row ?? 0) > 0)
    lines.push('A dry run does not read earlier imports: rows rejected as no_earlier_row may find their earlier row in a real run.');
  if (s.rejected > 0 && s.reportFile) lines.push(`Rejected rows, with line and every problem: ${s.reportFile}`);
  return lines.join('\n');
}
