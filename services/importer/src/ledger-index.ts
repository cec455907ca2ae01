import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { join } from 'node:path';
import type { KnownStore } from './ledger.ts';

// What the ledger knows, indexed on disk instead of held in memory: a ledger grows with every
// event ever imported (tens of millions for a large shipper), and a run asks it once per row.
// The index is SQLite through Node's built-in `node:sqlite` (no flag needed since Node 22.13,
// so on every Node the engines field allows), in a file of the run's spill folder: a cache of the
// ledger topic, rebuilt from it at the start of each run and removed with the folder. The topic
// stays the only record of what was imported, so a run on another machine skips the same events.

/** Writes per transaction: one transaction per write would make loading a large ledger crawl. */
const WRITES_PER_TRANSACTION = 20_000;

/** SQLite's page cache per index, in KiB: the rest of the index is read from the file as asked. */
const CACHE_KIB = 65_536;

/**
 * A throwaway database of one run, in its temporary folder: a crash loses nothing the next run does
 * not rebuild, so neither a journal nor syncs to disk are worth their cost. The page cache stays small.
 */
function scratchDatabase(file: string, schema: string): DatabaseSync {
  const db = new DatabaseSync(file);
  db.exec(`
    PRAGMA journal_mode = OFF;
    PRAGMA synchronous = OFF;
    PRAGMA cache_size = -${CACHE_KIB};
    PRAGMA temp_store = FILE;
    ${schema}
  `);
  return db;
}

export class SqliteKnownStore implements KnownStore {
  private readonly db: DatabaseSync;
  private readonly insertId: StatementSync;
  private readonly selectId: StatementSync;
  private readonly selectCarry: StatementSync;
  private readonly upsertCarry: StatementSync;
  private count = 0;
  private pendingWrites = 0;
  private closed = false;

  /** Opens a new index in `folder` (a file that exists there already is an error: each run rebuilds it). */
  constructor(folder: string, name = 'ledger-index.sqlite') {
    this.db = scratchDatabase(
      join(folder, name),
      `
      CREATE TABLE ids (event_id TEXT PRIMARY KEY) WITHOUT ROWID;
      CREATE TABLE carry (entity TEXT PRIMARY KEY, event_time INTEGER NOT NULL, fields TEXT NOT NULL) WITHOUT ROWID;
    `,
    );
    this.insertId = this.db.prepare('INSERT OR IGNORE INTO ids (event_id) VALUES (?)');
    this.selectId = this.db.prepare('SELECT 1 AS found FROM ids WHERE event_id = ?');
    this.selectCarry = this.db.prepare('SELECT event_time AS eventTime, fields FROM carry WHERE entity = ?');
    this.upsertCarry = this.db.prepare(
      'INSERT INTO carry (entity, event_time, fields) VALUES (?, ?, ?) ON CONFLICT (entity) DO UPDATE SET event_time = excluded.event_time, fields = excluded.fields',
    );
  }

  hasId(eventId: string): boolean {
    return this.selectId.get(eventId) !== undefined;
  }

  addId(eventId: string): boolean {
    const added = this.write(() => Number(this.insertId.run(eventId).changes) > 0);
    if (added) this.count++;
    return added;
  }

  get ids(): number {
    return this.count;
  }

  carried(entity: string): Record<string, unknown> | undefined {
    const row = this.selectCarry.get(entity) as { eventTime: number; fields: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.fields) as Record<string, unknown>);
  }

  remember(entity: string, eventTime: number, fields: Record<string, unknown>): void {
    this.write(() => this.merge(entity, eventTime, fields));
  }

  private merge(entity: string, eventTime: number, fields: Record<string, unknown>): void {
    // The same merge as CarryMemory: a later event's value wins, an earlier one fills only gaps.
    const had = this.selectCarry.get(entity) as { eventTime: number; fields: string } | undefined;
    if (had === undefined) {
      this.upsertCarry.run(entity, eventTime, JSON.stringify(fields));
      return;
    }
    const before = JSON.parse(had.fields) as Record<string, unknown>;
    if (eventTime >= had.eventTime) this.upsertCarry.run(entity, eventTime, JSON.stringify({ ...before, ...fields }));
    else this.upsertCarry.run(entity, had.eventTime, JSON.stringify({ ...fields, ...before }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pendingWrites > 0) this.db.exec('COMMIT');
    this.db.close();
  }

  /** Groups writes into transactions of `WRITES_PER_TRANSACTION`; reads see them either way. */
  private write<T>(statement: () => T): T {
    if (this.closed) throw new Error('the ledger index is closed');
    if (this.pendingWrites === 0) this.db.exec('BEGIN');
    const result = statement();
    if (++this.pendingWrites >= WRITES_PER_TRANSACTION) {
      this.db.exec('COMMIT');
      this.pendingWrites = 0;
    }
    return result;
  }
}

/**
 * The events a run has accepted so far, by id, with where it first saw each: the same event twice
 * in the exports is one event. On disk for the same reason as the ledger's ids.
 */
export class SqliteSeenEvents {
  private readonly db: DatabaseSync;
  private readonly insert: StatementSync;
  private readonly select: StatementSync;
  private pendingWrites = 0;
  private closed = false;

  constructor(folder: string, name = 'seen-events.sqlite') {
    this.db = scratchDatabase(
      join(folder, name),
      `
      CREATE TABLE seen (event_id TEXT PRIMARY KEY, file INTEGER NOT NULL, line INTEGER NOT NULL) WITHOUT ROWID;
    `,
    );
    this.insert = this.db.prepare('INSERT OR IGNORE INTO seen (event_id, file, line) VALUES (?, ?, ?)');
    this.select = this.db.prepare('SELECT file, line FROM seen WHERE event_id = ?');
  }

  /** Records that the event is at line `line` of file `file` (its position on the command line), or returns where it was seen first. */
  firstSeen(eventId: string, file: number, line: number): { file: number; line: number } | undefined {
    if (this.closed) throw new Error('the index of events seen is closed');
    if (this.pendingWrites === 0) this.db.exec('BEGIN');
    const added = Number(this.insert.run(eventId, file, line).changes) > 0;
    if (++this.pendingWrites >= WRITES_PER_TRANSACTION) {
      this.db.exec('COMMIT');
      this.pendingWrites = 0;
    }
    return added ? undefined : (this.select.get(eventId) as { file: number; line: number });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pendingWrites > 0) this.db.exec('COMMIT');
    this.db.close();
  }
}
