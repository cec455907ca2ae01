import { backoffDelay, sleep, type Logger } from '@segmentation/runtime';

/** A row for a ClickHouse table, with the Kafka message it came from (to dead-letter it if need be). */
export interface BufferedRow<M> {
  table: string;
  row: Record<string, unknown>;
  source: M;
}

export interface RowBufferSettings {
  /** Flush once this many rows are waiting. */
  maxRows: number;
  /** Flush at the latest this long (ms) after the first row arrived. */
  maxDelayMs: number;
  /** Backoff between retries of a failing insert, capped (ms). */
  retryInitialMs: number;
  retryMaxMs: number;
  /**
   * Failures of an insert that are neither ClickHouse away nor bad data before the rows that keep
   * failing alone are looked for by halving (poison rows); unset: such an insert fails its batches,
   * which are retried without limit.
   */
  processingAttempts?: number;
}

/** A row ClickHouse will not take: refused for good (bad data) or failing alone again and again (poison). */
export interface RefusedRow<M> {
  source: M;
  table: string;
  code: number | undefined;
  message: string;
  /** `bad_data`: a refusal ClickHouse calls so; `failing`: another error, only ever on this row. */
  kind: 'bad_data' | 'failing';
}

export interface RowBufferDeps<M> {
  insert(table: string, rows: Array<Record<string, unknown>>): Promise<void>;
  /**
   * What a failed insert means: `retry` (ClickHouse away or overloaded: wait, try again),
   * `reject` (bad data: find the refused rows and dead-letter them), `fail` (anything else, such
   * as a missing table: give up without committing, so the batch comes again after a restart).
   */
  classify(err: unknown): 'retry' | 'reject' | 'fail';
  errorCode(err: unknown): number | undefined;
  /** Rows ClickHouse refuses for good, or fails on alone; resolves once they are dead-lettered. */
  reject(rejected: Array<RefusedRow<M>>): Promise<void>;
  /** Called with true while inserts fail and are being retried, false once they pass again. */
  onDegraded(degraded: boolean): void;
  logger: Logger;
}

interface Pending<M> {
  rows: Array<BufferedRow<M>>;
  done: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Collects rows from many Kafka batches and inserts them together, on size or on time. A batch's
 * `add` resolves only when its rows are durable in ClickHouse (or dead-lettered), so the consumer
 * commits its offsets after that and never before. While ClickHouse fails, the flush retries with
 * capped backoff and jitter and the waiting batches hold their partitions: consumption pauses
 * instead of dropping anything. A row ClickHouse refuses for good (bad data) is found by
 * splitting the failed insert, and only that row is dead-lettered with the error code. So is a row
 * whose insert fails otherwise, again and again, while the other rows of the insert go through (a
 * poison row); when none goes through, the fault is not a row's and the batches fail, uncommitted.
 */
export class RowBuffer<M> {
  private current: Pending<M> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Generations handed to a flush and not finished yet (the one being inserted, those waiting behind it). */
  private flushes = 0;
  private readonly roomWaiters: Array<() => void> = [];
  private readonly settings: RowBufferSettings;
  private readonly deps: RowBufferDeps<M>;

  constructor(settings: RowBufferSettings, deps: RowBufferDeps<M>) {
    this.settings = settings;
    this.deps = deps;
  }

  add(rows: Array<BufferedRow<M>>): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    const pending = this.current ?? this.open();
    pending.rows.push(...rows);
    if (pending.rows.length >= this.settings.maxRows) this.flushNow();
    return pending.done;
  }

  /**
   * Resolves once at most one flush is under way: a caller that waits for it before adding more
   * fills the next insert while the last one runs, and holds no more than two inserts' rows.
   */
  room(): Promise<void> {
    if (this.flushes <= 1) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Flushes what is waiting and resolves when every earlier flush has finished (shutdown). */
  async drain(): Promise<void> {
    this.flushNow();
    await this.flushing;
  }

  private open(): Pending<M> {
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.current = { rows: [], done, resolve, reject };
    this.timer = setTimeout(() => this.flushNow(), this.settings.maxDelayMs);
    return this.current;
  }

  private flushNow(): void {
    const pending = this.current;
    if (!pending) return;
    this.current = undefined;
    clearTimeout(this.timer);
    this.flushes += 1;
    // One flush at a time, in order: a later generation never overtakes an earlier one.
    this.flushing = this.flushing
      .then(() => this.write(pending.rows))
      .then(
        () => pending.resolve(),
        (err: unknown) => pending.reject(err),
      )
      .finally(() => {
        this.flushes -= 1;
        if (this.flushes <= 1) for (const wake of this.roomWaiters.splice(0)) wake();
      });
  }

  private async write(rows: Array<BufferedRow<M>>): Promise<void> {
    const byTable = new Map<string, Array<BufferedRow<M>>>();
    for (const r of rows) {
      const list = byTable.get(r.table);
      if (list) list.push(r);
      else byTable.set(r.table, [r]);
    }
    for (const [table, tableRows] of byTable) {
      const { refused, inserted } = await this.insertOrFindRefused(table, tableRows);
      const failing = refused.filter((r) => r.kind === 'failing');
      // Rows failing alone while none of the others went in: ClickHouse or the sink is at fault
      // (a missing table, a bug on every row), not those rows. Fail the batches, commit nothing.
      if (failing.length > 0 && inserted === 0) throw new Error(`inserting into ${table} fails on every row: ${failing[0]!.message}`);
      if (refused.length > 0) await this.deps.reject(refused);
    }
  }

  /**
   * Inserts the rows; returns the ones ClickHouse refuses for good (bad data) or keeps failing on
   * alone, found by halving the insert, and how many went in.
   */
  private async insertOrFindRefused(
    table: string,
    rows: Array<BufferedRow<M>>,
  ): Promise<{ refused: Array<RefusedRow<M>>; inserted: number }> {
    const limit = this.settings.processingAttempts;
    for (let failures = 1; ; failures++) {
      try {
        await this.insertWithRetry(
          table,
          rows.map((r) => r.row),
        );
        return { refused: [], inserted: rows.length };
      } catch (err) {
        const kind = this.deps.classify(err) === 'reject' ? 'bad_data' : 'failing';
        // A failure that is neither the server away nor bad data is tried again first: only one
        // that repeats counts against the rows.
        if (kind === 'failing' && (limit === undefined || failures < limit)) {
          if (limit === undefined) throw err;
          await this.pause(failures);
          continue;
        }
        if (rows.length === 1) {
          // A poison row's error is not ClickHouse's verdict: its class says what broke.
          const message = !(err instanceof Error) ? String(err) : kind === 'failing' ? `${err.name}: ${err.message}` : err.message;
          return { refused: [{ source: rows[0]!.source, table, code: this.deps.errorCode(err), message, kind }], inserted: 0 };
        }
        const half = Math.ceil(rows.length / 2);
        const first = await this.insertOrFindRefused(table, rows.slice(0, half));
        const second = await this.insertOrFindRefused(table, rows.slice(half));
        return { refused: [...first.refused, ...second.refused], inserted: first.inserted + second.inserted };
      }
    }
  }

  private pause(attempt: number): Promise<void> {
    return sleep(backoffDelay(attempt, { initialMs: this.settings.retryInitialMs, maxMs: this.settings.retryMaxMs, jitter: 'equal' }));
  }

  private async insertWithRetry(table: string, rows: Array<Record<string, unknown>>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.deps.insert(table, rows);
        if (attempt > 0) {
          this.deps.onDegraded(false);
          this.deps.logger.info('clickhouse_recovered', { table, attempts: attempt + 1 });
        }
        return;
      } catch (err) {
        if (this.deps.classify(err) !== 'retry') {
          if (attempt > 0) this.deps.onDegraded(false);
          throw err;
        }
        if (attempt === 0) this.deps.onDegraded(true);
        this.deps.logger.warn('clickhouse_insert_retry', {
          table,
          rows: rows.length,
          attempt: attempt + 1,
          code: this.deps.errorCode(err),
          err,
        });
        await this.pause(attempt);
      }
    }
  }
}
