// A streaming RFC 4180 parser: exports from CRMs and transport-management systems are often
// larger than memory, and their text fields (addresses, remarks) carry commas, quotes and line
// breaks inside quotes. Written here rather than taken from npm: the grammar is small, and the
// import needs the physical line each record starts on, for the rejection report.

export interface CsvRecord {
  /** Physical line (1-based) the record starts on, as an editor shows it. */
  line: number;
  fields: string[];
  /** Set when the record cannot be read as CSV (an unterminated quoted field). */
  problem?: string;
}

/**
 * Feed decoded text in chunks of any size with `push`; each call returns the records completed
 * so far. `end` returns the last one. Lenient where spreadsheets are (a quote inside an unquoted
 * field, or text after a closing quote, is kept as text), strict where data would be lost (a
 * quoted field still open at the end of the file is reported, not guessed).
 */
export class CsvParser {
  private readonly delimiter: string;
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  /** The previous character closed a quote: a second quote now means a literal quote. */
  private quoteClosed = false;
  /** A CR ended the previous chunk: an LF opening the next one belongs to the same line break. */
  private pendingCr = false;
  /** Whether the current record has any content yet (a blank line is no record). */
  private started = false;
  private line = 1;
  private recordLine = 1;

  constructor(delimiter = ',') {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') throw new Error(`unusable CSV delimiter ${JSON.stringify(delimiter)}`);
    this.delimiter = delimiter;
  }

  push(text: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (this.pendingCr) {
        this.pendingCr = false;
        if (ch === '\n') continue;
      }
      if (this.inQuotes) {
        if (ch === '"') {
          this.inQuotes = false;
          this.quoteClosed = true;
        } else {
          if (ch === '\n' || ch === '\r') this.newline(ch);
          this.field += ch === '\r' ? '\n' : ch;
        }
        continue;
      }
      if (ch === '"') {
        if (this.quoteClosed) {
          // `""` inside a quoted field: one literal quote, and the field is quoted again.
          this.field += '"';
          this.inQuotes = true;
          this.quoteClosed = false;
        } else if (this.field === '') {
          this.inQuotes = true;
          this.started = true;
        } else {
          this.field += ch;
        }
        continue;
      }
      this.quoteClosed = false;
      if (ch === this.delimiter) {
        this.fields.push(this.field);
        this.field = '';
        this.started = true;
      } else if (ch === '\n' || ch === '\r') {
        this.newline(ch);
        const record = this.finishRecord();
        if (record) out.push(record);
        this.recordLine = this.line;
      } else {
        this.field += ch;
        this.started = true;
      }
    }
    return out;
  }

  end(): CsvRecord[] {
    if (this.inQuotes) {
      const record: CsvRecord = { line: this.recordLine, fields: [...this.fields, this.field], problem: 'opens a quoted field that is never closed' };
      this.reset();
      return [record];
    }
    const record = this.finishRecord();
    return record ? [record] : [];
  }

  private newline(ch: string): void {
    this.line++;
    if (ch === '\r') this.pendingCr = true;
  }

  private finishRecord(): CsvRecord | undefined {
    if (!this.started && this.field === '' && this.fields.length === 0) return undefined;
    const record = { line: this.recordLine, fields: [...this.fields, this.field] };
    this.reset();
    return record;
  }

  private reset(): void {
    this.fields = [];
    this.field = '';
    this.started = false;
    this.quoteClosed = false;
  }
}

/** Parses a whole CSV text at once (tests, small files). */
export function parseCsv(text: string, delimiter = ','): CsvRecord[] {
  const parser = new CsvParser(delimiter);
  return [...parser.push(text), ...parser.end()];
}
