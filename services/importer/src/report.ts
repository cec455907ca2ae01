import { appendFile, writeFile } from 'node:fs/promises';
import type { DeadLetterReason } from '@segmentation/contracts';
import type { ImportKind } from './columns.ts';

// The rejection report: one JSON line per refused row, with what an operator needs to fix it in
// the export and re-run (file, line, reason code, message, and the row as read). It is a local
// file for the operator, not a log: rows hold customer data and never go to the logs.

export interface Rejection {
  file: string;
  line: number;
  kind: ImportKind;
  /** The same fixed list ingest dead-letters with (packages/contracts/src/dead-letter.ts). */
  reason: DeadLetterReason;
  message: string;
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
    add: (r) => { rejections.push(r); return Promise.resolve(); },
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
  rejectedByReason: Partial<Record<DeadLetterReason, number>>;
  files: FileSummary[];
  reportFile: string | null;
  /** Events already in the ledger when the run started. */
  ledgerSizeAtStart: number;
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
    ...Object.entries(s.rejectedByReason).sort(([a], [b]) => a.localeCompare(b)).map(([reason, n]) => `    ${reason.padEnd(18)} ${n}`),
    '  per file:',
    ...s.files.map((f) => `    ${f.kind.padEnd(10)} ${f.file}: ${f.rows} rows, ${s.dryRun ? 'new' : 'imported'} ${s.dryRun ? f.rows - f.rejected - f.alreadyImported - f.erased : f.imported}, already imported ${f.alreadyImported}, rejected ${f.rejected}`),
  ];
  if (s.rejected > 0 && s.reportFile) lines.push(`Rejected rows, with line and reason: ${s.reportFile}`);
  return lines.join('\n');
}
