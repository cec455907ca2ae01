import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import iconv from 'iconv-lite';
import { ConfigError } from '@segmentation/runtime';
import { csvRecords, type CsvRecord } from './csv.ts';

// Rows of one export file, streamed: CSV / TSV with a header row, or JSON Lines (one object per
// line). Each row keeps the physical line it starts on, for the rejection report.

export const FILE_FORMATS = { '.csv': 'csv', '.tsv': 'tsv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' } as const;
export type FileFormat = (typeof FILE_FORMATS)[keyof typeof FILE_FORMATS];

export function formatOf(path: string): FileFormat | undefined {
  return (FILE_FORMATS as Record<string, FileFormat>)[extname(path).toLowerCase()];
}

export type SourceRow =
  | { line: number; values: Record<string, unknown> }
  /** A line that is not a row at all: bad JSON, a broken quote, a wrong number of fields. */
  | { line: number; problem: string; raw: unknown };

/**
 * The file cannot be imported as a whole (unreadable text, duplicate or missing columns): a
 * usage error like a bad option (exit 2), not a bad row.
 */
export class ImportInputError extends ConfigError {
  override name = 'ImportInputError';
}

export interface ReadOptions {
  /** A WHATWG encoding label: utf-8 (a BOM is dropped), gbk / gb18030 (Excel on Chinese Windows), ... */
  encoding: string;
  /** Called with a CSV file's columns before its first row; throw to refuse the file. */
  onHeader?: (columns: string[]) => void;
  /** Called with the number of bytes read so far, for the progress bar. */
  onBytes?: (bytes: number) => void;
}

export async function* readRows(path: string, format: FileFormat, options: ReadOptions): AsyncGenerator<SourceRow> {
  const chunks = decodedChunks(path, options);
  yield* format === 'jsonl' ? jsonLines(chunks) : csvRows(chunks, format === 'tsv' ? '\t' : ',', path, options.onHeader);
}

/** UTF-8 in every spelling of its label: decoded by the platform, the rest by iconv-lite. */
const isUtf8 = (label: string) => /^(unicode-1-1-)?utf-?8$/i.test(label.trim());

/** Whether `--encoding` names an encoding the import can read (a WHATWG or iconv-lite label). */
export const knownEncoding = (label: string) => isUtf8(label) || iconv.encodingExists(label);

async function* decodedChunks(path: string, { encoding, onBytes }: ReadOptions): AsyncGenerator<string> {
  // Refused rather than replaced: a GBK export read as UTF-8 would otherwise import mojibake
  // customer names silently. TextDecoder refuses by itself (fatal); iconv-lite (GBK, GB18030,
  // Big5…) puts U+FFFD in place of bytes that are not in the encoding, which those exports never
  // contain on purpose: GBK cannot even encode it.
  const decode = isUtf8(encoding) ? utf8Decoder() : iconvDecoder(encoding);
  let bytes = 0;
  const invalid = () =>
    new ImportInputError(
      `${path} is not valid ${encoding} text near byte ${bytes}` +
        (isUtf8(encoding) ? ' (an Excel export from Chinese Windows is usually gbk: pass --encoding gbk)' : ''),
    );
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
      bytes += (chunk as Buffer).length;
      const text = decode(chunk as Buffer);
      if (text === null) throw invalid();
      yield text;
      onBytes?.(bytes);
    }
    const rest = decode(null);
    if (rest === null) throw invalid();
    yield rest;
  } catch (err) {
    if (err instanceof TypeError && (err as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') throw invalid();
    throw err;
  }
}

/** Decodes chunk by chunk (null: the end); a BOM is dropped. Returns null for bytes not in the encoding. */
type ChunkDecoder = (chunk: Buffer | null) => string | null;

function utf8Decoder(): ChunkDecoder {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return (chunk) => (chunk === null ? decoder.decode() : decoder.decode(chunk, { stream: true }));
}

function iconvDecoder(encoding: string): ChunkDecoder {
  const decoder = iconv.getDecoder(encoding, { stripBOM: true });
  return (chunk) => {
    const text = chunk === null ? (decoder.end() ?? '') : decoder.write(chunk);
    return text.includes('\uFFFD') ? null : text;
  };
}

async function* jsonLines(chunks: AsyncIterable<string>): AsyncGenerator<SourceRow> {
  let pending = '';
  let line = 0;
  const parse = (text: string): SourceRow | undefined => {
    line++;
    const trimmed = text.trim();
    if (trimmed === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      return { line, problem: `is not valid JSON (${(err as Error).message})`, raw: text };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { line, problem: 'is not a JSON object', raw: value };
    return { line, values: value as Record<string, unknown> };
  };
  for await (const chunk of chunks) {
    pending += chunk;
    let start = 0;
    let nl: number;
    while ((nl = pending.indexOf('\n', start)) >= 0) {
      const row = parse(pending.slice(start, nl));
      start = nl + 1;
      if (row) yield row;
    }
    pending = pending.slice(start);
  }
  const last = parse(pending);
  if (last) yield last;
}

async function* csvRows(
  chunks: AsyncIterable<string>,
  delimiter: string,
  path: string,
  onHeader?: (columns: string[]) => void,
): AsyncGenerator<SourceRow> {
  let header: string[] | undefined;
  for await (const record of csvRecords(chunks, delimiter)) {
    const row = toRow(record);
    if (row) yield row;
  }
  if (header === undefined) throw new ImportInputError(`${path} has no header row`);

  function toRow({ line, fields, problem }: CsvRecord): SourceRow | undefined {
    // Spreadsheets pad the end of a sheet with rows of empty cells.
    if (problem === undefined && fields.every((f) => f.trim() === '')) return undefined;
    if (header === undefined) {
      header = fields.map((f) => f.trim());
      const seen = new Set<string>();
      for (const name of header.filter(Boolean)) {
        if (seen.has(name)) throw new ImportInputError(`${path}: column "${name}" appears twice in the header`);
        seen.add(name);
      }
      onHeader?.(header.filter(Boolean));
      return undefined;
    }
    if (problem !== undefined) return { line, problem, raw: fields };
    if (fields.length !== header.length)
      return { line, problem: `has ${fields.length} fields but the header has ${header.length}`, raw: fields };
    const values: Record<string, unknown> = {};
    header.forEach((name, i) => {
      if (name !== '') values[name] = fields[i];
    });
    return { line, values };
  }
}
