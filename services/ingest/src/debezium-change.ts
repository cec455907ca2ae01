// A Debezium change event (docs/sources.md, "What the change events look like"): the row before
// and after, what happened to it, and where in the database's log it happened. Kafka Connect's
// JSON converter writes it bare, or wrapped as {schema, payload} when schemas are enabled.

export interface DebeziumChange {
  /** c insert, u update, d delete, r a row read by a snapshot, t truncate, m a logical message. */
  op: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /**
   * The change's place in the database's log, compared element by element. PostgreSQL: where the
   * last commit before the change's transaction ended, then the change's own LSN (Debezium's
   * `sequence`); the first is -1 (unknown) until the connector has seen a commit since it began.
   * The LSN alone does not grow in the order changes arrive: Debezium sends whole transactions in
   * commit order, and the changes of transactions that ran side by side interleave in the log.
   * MySQL: binlog file number, position, row.
   */
  position: number[];
  /** When the transaction was committed (ms), for rows without a time column of their own. */
  committedAt: number | undefined;
}

export type ParsedChange = { change: DebeziumChange } | { tombstone: true } | { problem: string };

export function parseChange(value: Buffer | null): ParsedChange {
  // Deletes may be followed by a tombstone (a null value) for log compaction: nothing happened.
  if (value === null || value.length === 0) return { tombstone: true };
  let doc: unknown;
  try {
    doc = JSON.parse(value.toString('utf8'));
  } catch (err) {
    return { problem: `the value is not JSON (${(err as Error).message})` };
  }
  if (isObject(doc) && isObject(doc.payload) && 'schema' in doc) doc = doc.payload;
  if (!isObject(doc) || typeof doc.op !== 'string') return { problem: 'the value is not a Debezium change event (no op)' };
  const before = rowOf(doc.before);
  const after = rowOf(doc.after);
  if (before === undefined || after === undefined) return { problem: 'before and after must be rows or null' };
  const source = isObject(doc.source) ? doc.source : {};
  const position = positionOf(source);
  if (position === undefined) return { problem: 'the change has no source position (source.lsn, or source.file and source.pos)' };
  const committed = source.ts_ms;
  return { change: { op: doc.op, before, after, position, committedAt: typeof committed === 'number' ? committed : undefined } };
}

/** The last commit of a PostgreSQL change sent before the connector saw one. */
const UNKNOWN = -1;

/** Negative, zero or positive as `a` is before, at or after `b` in the log. */
export function comparePositions(a: readonly number[], b: readonly number[]): number {
  // A PostgreSQL change sent before the connector saw any commit has no last commit: without it
  // only the LSNs can be compared (a change sent again then has the LSN it had).
  const from = a[0] === UNKNOWN || b[0] === UNKNOWN ? 1 : 0;
  for (let i = from; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

function positionOf(source: Record<string, unknown>): number[] | undefined {
  if (typeof source.lsn === 'number') {
    const sequence = parseSequence(source.sequence);
    return sequence ?? [UNKNOWN, source.lsn];
  }
  if (typeof source.file === 'string' && typeof source.pos === 'number') {
    const file = Number(/(\d+)$/.exec(source.file)?.[1] ?? NaN);
    if (!Number.isFinite(file)) return undefined;
    return [file, source.pos, typeof source.row === 'number' ? source.row : 0];
  }
  return undefined;
}

/** `"[\"24023119\",\"24023128\"]"` → [24023119, 24023128]; the first is null before any commit was seen. */
function parseSequence(sequence: unknown): number[] | undefined {
  if (typeof sequence !== 'string') return undefined;
  try {
    const parts: unknown = JSON.parse(sequence);
    if (!Array.isArray(parts) || parts.length !== 2) return undefined;
    const numbers = parts.map((p, i) => (p === null && i === 0 ? UNKNOWN : Number(p)));
    return numbers.every(Number.isSafeInteger) ? numbers : undefined;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const rowOf = (v: unknown): Record<string, unknown> | null | undefined =>
  v === null || v === undefined ? null : isObject(v) ? v : undefined;
