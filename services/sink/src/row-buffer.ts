import type { Logger } from '@segmentation/runtime';

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
  /** Rows ClickHouse refuses for good; resolves once they are dead-lettered. */
  reject(rejected: Array<{ source: M; table: string; code: number | undefined; message: string }>): Promise<void>;
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
 * splitting the failed insert, and only that row is dead-lettered with the error code.
 */
export class RowBuffer<M> {
  private current: Pending<M> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
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

  /** Flushes what is waiting and resolves when every earlier flush has finished (shutdown). */
  async drain(): Promise<void> {
    this.flushNow();
    await this.flushing;
  }

  private open(): Pending<M> {
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const done = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
    this.current = { rows: [], done, resolve, reject };
    this.timer = setTimeout(() => this.flushNow(), this.settings.maxDelayMs);
    return this.current;
  }

  private flushNow(): void {
    const pending = this.current;
    if (!pending) return;
    this.current = undefined;
    clearTimeout(this.timer);
    // One flush at a time, in order: a later generation never overtakes an earlier one.
    this.flushing = this.flushing.then(() => this.write(pending.rows)).then(() => pending.resolve(), (err: unknown) => pending.reject(err));
  }

  private async write(rows: Array<BufferedRow<M>>): Promise<void> {
    const byTable = new Map<string, Array<BufferedRow<M>>>();
    for (const r of rows) {
      const list = byTable.get(r.table);
      if (list) list.push(r);
      else byTable.set(r.table, [r]);
    }
    for (const [table, tableRows] of byTable) {
      const refused = await this.insertOrFindRefused(table, tableRows);
      if (refused.length > 0) await this.deps.reject(refused);
    }
  }

  /** Inserts the rows; returns the ones ClickHouse refuses for good, found by halving the batch. */
  private async insertOrFindRefused(table: string, rows: Array<BufferedRow<M>>): Promise<Array<{ source: M; table: string; code: number | undefined; message: string }>> {
    try {
      await this.insertWithRetry(table, rows.map((r) => r.row));
      return [];
    } catch (err) {
      if (this.deps.classify(err) !== 'reject') throw err;
      if (rows.length === 1) {
        return [{ source: rows[0]!.source, table, code: this.deps.errorCode(err), message: err instanceof Error ? err.message : String(err) }];
      }
      const half = Math.ceil(rows.length / 2);
      return [...await this.insertOrFindRefused(table, rows.slice(0, half)), ...await this.insertOrFindRefused(table, rows.slice(half))];
    }
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
        const backoff = Math.min(this.settings.retryMaxMs, this.settings.retryInitialMs * 2 ** Math.min(attempt, 20));
        this.deps.logger.warn('clickhouse_insert_retry', { table, rows: rows.length, attempt: attempt + 1, code: this.deps.errorCode(err), err });
        await new Promise((r) => setTimeout(r, backoff / 2 + Math.random() * (backoff / 2)));
      }
    }
  }
}
