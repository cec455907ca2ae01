import { parse, type CsvError, type Info } from 'csv-parse';

// CSV records of a decoded export, streamed through csv-parse: exports from CRMs and
// transport-management systems are often larger than memory, and their text fields (addresses,
// remarks) carry commas, quotes and line breaks inside quotes. What csv-parse does not give as the
// import needs it is added here: the physical line each record starts on (for the rejection
// report), line breaks read the same whatever the system wrote (CRLF, LF or a lone CR, also inside
// quoted fields), and a broken record reported as a row problem instead of ending the file.

export interface CsvRecord {
  /** Physical line (1-based) the record starts on, as an editor shows it. */
  line: number;
  fields: string[];
  /** Set when the record cannot be read as CSV (an unterminated quoted field). */
  problem?: string;
}

/**
 * The records of decoded text arriving in chunks of any size. Lenient where spreadsheets are (a
 * quote inside an unquoted field, or text after a closing quote, is kept as text), strict where
 * data would be lost (a quoted field still open at the end of the file is reported, not guessed).
 */
export async function* csvRecords(chunks: AsyncIterable<string> | Iterable<string>, delimiter = ','): AsyncGenerator<CsvRecord> {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r')
    throw new Error(`unusable CSV delimiter ${JSON.stringify(delimiter)}`);
  const ready: CsvRecord[] = [];
  // Lines are numbered from csv-parse's counters: the line the previous record ended on, plus the
  // blank lines skipped since (`empty_lines` counts them over the whole file).
  let lastEnd = 0;
  let lastEmpty = 0;
  const startLine = (info: Pick<Info, 'lines' | 'empty_lines'>) => {
    const line = lastEnd + 1 + (info.empty_lines - lastEmpty);
    lastEnd = info.lines;
    lastEmpty = info.empty_lines;
    return line;
  };
  const parser = parse({
    delimiter,
    record_delimiter: '\n',
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // Records are taken here, in order with the broken ones, instead of through the readable side.
    on_record: (fields: string[], info: Info) => {
      ready.push({ line: startLine(info), fields });
      return null;
    },
    on_skip: (err: CsvError | undefined, raw: string | undefined) => {
      if (err === undefined) return;
      const context = err as CsvError & Partial<Info>;
      const line = startLine({ lines: context.lines ?? lastEnd + 1, empty_lines: context.empty_lines ?? lastEmpty });
      ready.push({
        line,
        fields: raw === undefined ? [] : [raw],
        problem:
          err.code === 'CSV_QUOTE_NOT_CLOSED' ? 'opens a quoted field that is never closed' : `cannot be read as CSV (${err.message})`,
      });
    },
  });
  parser.resume();
  const write = (text: string) =>
    new Promise<void>((resolve, reject) => {
      parser.write(text, (err) => (err ? reject(err) : resolve()));
    });
  for await (const text of normaliseLineBreaks(chunks)) {
    await write(text);
    yield* ready.splice(0);
  }
  await new Promise<void>((resolve, reject) => {
    parser.once('error', reject);
    parser.end(() => resolve());
  });
  yield* ready.splice(0);
}

/**
 * CRLF and a lone CR (old Mac exports) become LF, inside quoted fields too: a remark reads the same
 * whatever system wrote it. A CR ending one chunk waits for the next: it may be half of a CRLF.
 */
async function* normaliseLineBreaks(chunks: AsyncIterable<string> | Iterable<string>): AsyncGenerator<string> {
  let pendingCr = false;
  for await (const chunk of chunks) {
    let text: string = pendingCr ? '\r' + chunk : chunk;
    pendingCr = text.endsWith('\r');
    if (pendingCr) text = text.slice(0, -1);
    if (text !== '') yield text.replace(/\r\n?/g, '\n');
  }
  if (pendingCr) yield '\n';
}

/** Parses a whole CSV text, given at once or in chunks (tests, small files). */
export async function parseCsv(text: string | Iterable<string>, delimiter = ','): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const record of csvRecords(typeof text === 'string' ? [text] : text, delimiter)) out.push(record);
  return out;
}
